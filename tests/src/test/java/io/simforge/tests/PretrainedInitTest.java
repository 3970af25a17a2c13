package io.simforge.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.ParameterStore;
import io.simforge.datasets.FashionMnist;
import io.simforge.datasets.ImageDataset;
import io.simforge.core.io.Npy;
import io.simforge.core.model.Preprocessing;
import io.simforge.models.Architecture;
import io.simforge.train.TrainingData;
import io.simforge.train.TrainingRun;
import io.simforge.train.TrainConfig;
import io.simforge.train.TrainedModel;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Training that starts from an ONNX file PyTorch wrote (a narrow torchvision ResNet-18, the models module's test
 * file): the network the trainer starts from computes what PyTorch computed, on gray Fashion-MNIST images with
 * the RGB filters adapted.
 */
class PretrainedInitTest {
    private static final Path TORCHVISION = Path.of("../models/src/test/resources/io/simforge/models/torchvision");

    @Test
    void trainingStartsFromTheOnnxWeights() throws Exception {
        ImageDataset data = FashionMnist.bundledTestSplit().withClasses(List.of(0, 1, 2, 3)).firstPerClass(40);
        // BatchNorm frozen, so the one step leaves the running statistics as imported; a learning rate so small the
        // step changes nothing measurable.
        TrainConfig.Builder c = TrainConfig.builder().optArchitecture(Architecture.Kind.RESNET18).optWidths(4)
                .optFrozenBatchNorm(true).optEmbeddingSize(8).optIterations(1).optBatch(4, 4)
                .optOptimizer(TrainConfig.Optimizer.SGD).optMomentum(0).optLearningRate(1e-12f)
                .optInitFrom(TORCHVISION.resolve("resnet18-w4.onnx").toString());
        try (TrainedModel m = train(c.build(), data)) {
            float[] gray = Npy.readFloats(TORCHVISION.resolve("resnet18-w4/gray.npy")).values();
            float[] expected = Npy.readFloats(TORCHVISION.resolve("resnet18-w4/gray-features.npy")).values();
            float[] actual = backbone(m.model().getBlock(), m.model().getNDManager(), gray);
            assertEquals(expected.length, actual.length);
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], actual[i], 1e-4 * Math.max(1, Math.abs(expected[i])), "feature " + i);
            }
        }
        TrainConfig wider = c.optWidths(8).build();
        Exception e = assertThrows(Exception.class, () -> train(wider, data));
        assertTrue(e.getMessage().contains("does not match this network"), e.getMessage());
        TrainConfig missing = c.optInitFrom(TORCHVISION.resolve("no-such-file.onnx").toString()).build();
        e = assertThrows(IllegalArgumentException.class, () -> train(missing, data));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }

    private static TrainedModel train(TrainConfig c, ImageDataset data) {
        return TrainingRun.builder().setConfig(c).setData(TrainingData.of(data, Preprocessing.fashionMnist(), "test"))
                .build().run();
    }

    /** The network up to its global pooling, in inference mode, on 4 gray 32×32 images. */
    private static float[] backbone(Block net, NDManager manager, float[] images) {
        try (NDManager step = manager.newSubManager()) {
            NDList x = new NDList(step.create(images, new Shape(4, 1, 32, 32)));
            ParameterStore ps = new ParameterStore(step, false);
            var children = ((SequentialBlock) net).getChildren();
            for (int i = 0; i < children.size() - 2; i++) {
                x = children.get(i).getValue().forward(ps, x, false);
            }
            return x.singletonOrThrow().toFloatArray();
        }
    }
}
