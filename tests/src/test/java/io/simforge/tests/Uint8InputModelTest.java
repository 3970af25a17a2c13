package io.simforge.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import io.simforge.datasets.FashionMnist;
import io.simforge.datasets.ImageDataset;
import io.simforge.core.model.ModelMetadata;
import io.simforge.core.model.Preprocessing;
import io.simforge.export.ModelExport;
import io.simforge.export.ModelVerifier;
import io.simforge.infer.ModelCheck;
import io.simforge.export.OnnxExporter;
import io.simforge.infer.Embedder;
import io.simforge.models.Architecture;
import io.simforge.models.SavedModel;
import io.simforge.train.UntrainedNetwork;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A model exported with 8-bit pixel input gives the float model's embeddings through every Embedder path. */
class Uint8InputModelTest {
    @TempDir
    Path dir;

    @Test
    void theEmbedderFeedsRawPixelsAndGetsTheSameEmbeddings() throws Exception {
        Architecture arch = Architecture.convNet(1, 28, 28, 16, 4, 8);
        Preprocessing pre = Preprocessing.fashionMnist();
        Path saved = dir.resolve("model");
        try (Model m = UntrainedNetwork.create(arch, 9)) {
            SavedModel.save(saved, m.getBlock(), new SavedModel.Description(SavedModel.FORMAT_VERSION, arch, pre, "{}"));
        }
        Path floatModel = dir.resolve("float.onnx");
        Path byteModel = dir.resolve("u8.onnx");
        ModelExport.exportSaved(saved, floatModel, OnnxExporter.DEFAULT_OPSET);
        ModelExport.exportSaved(saved, byteModel, true, b -> b);
        ImageDataset images = FashionMnist.bundledTestSplit().firstPerClass(3);
        List<BufferedImage> pictures = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            pictures.add(images.picture(i));
        }
        try (Embedder f = Embedder.builder().setModelPath(floatModel).optBatchSize(7).build();
                Embedder u = Embedder.builder().setModelPath(byteModel).optBatchSize(7).build()) {
            assertEquals(ModelMetadata.InputKind.IMAGE_UINT8, u.metadata().inputKind());
            float[] expected = f.embed(images);
            assertClose(expected, u.embed(images));
            assertClose(expected, u.embed(pictures));
            assertClose(expected, f.embed(pictures));
        }
        for (ModelCheck c : ModelVerifier.verify(byteModel, saved)) {
            assertTrue(c.passed(), c.name() + ": " + c.detail());
        }
    }

    private static void assertClose(float[] expected, float[] got) {
        assertEquals(expected.length, got.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], got[i], 1e-5, "value " + i);
        }
    }
}
