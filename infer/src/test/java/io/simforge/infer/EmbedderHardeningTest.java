package io.simforge.infer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.simforge.core.error.InvalidInputException;
import io.simforge.core.error.SimforgeException;
import io.simforge.core.model.ModelMetadata;
import io.simforge.core.model.ModelSettings;
import io.simforge.core.model.Preprocessing;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runtime's answers to bad input and its library API (issue #15): non-finite values never pass, a model that
 * does not fit its metadata is refused when it is opened, every failure is a {@link SimforgeException}.
 */
class EmbedderHardeningTest {
    @TempDir
    Path dir;

    /** w maps (a, b) to (a, b, a + b). */
    private static final float[] W = {1, 0, 1, 0, 1, 1};

    private static Map<String, String> vectorMetadata(int in, int out) {
        return new ModelSettings("features", "embedding", ModelMetadata.InputKind.VECTOR, new int[] {in},
                ModelSettings.Layout.NCHW, ModelSettings.ChannelOrder.GRAY, null, ModelSettings.Pooling.NONE, false,
                out).toMetadata("test", false);
    }

    private Path linear(float[] w) throws Exception {
        return TinyModels.linear(dir.resolve("linear.onnx"), 2, 3, w, vectorMetadata(2, 3));
    }

    @Test
    void embeddingsComeBackPerItemAsWorkedOutByHand() throws Exception {
        try (Embedder e = Embedder.builder().setModelPath(linear(W)).optBatchSize(2).build()) {
            Embeddings out = e.embedVectors(new float[][] {{1, 2}, {3, -1}, {0.5f, 0.5f}});
            assertEquals(3, out.size());
            assertEquals(3, out.dimension());
            assertArrayEquals(new float[] {1, 2, 3}, out.get(0));
            assertArrayEquals(new float[] {3, -1, 2}, out.get(1));
            assertArrayEquals(new float[][] {{1, 2, 3}, {3, -1, 2}, {0.5f, 0.5f, 1}}, out.toArray());
            assertArrayEquals(new float[] {1, 2, 3, 3, -1, 2, 0.5f, 0.5f, 1}, e.embed(new float[] {1, 2, 3, -1, 0.5f,
                    0.5f}), "embed(float[]) keeps working");
            assertThrows(InvalidInputException.class, () -> out.get(3));
        }
    }

    /** Issue #15, row 1: a model whose weights were overwritten (valid protobuf) embedded everything as NaN. */
    @Test
    void aModelWithDamagedWeightsIsNeverSilent() throws Exception {
        float[] damaged = W.clone();
        damaged[4] = Float.NaN;
        try (Embedder e = Embedder.builder().setModelPath(linear(damaged)).build()) {
            EmbedderException ex = assertThrows(EmbedderException.class, () -> e.embed(new float[] {1, 2}));
            assertTrue(ex.getMessage().contains("produced NaN in the embedding of item 0 from finite input")
                    && ex.getMessage().contains("simforge verify"), ex.getMessage());
        }
    }

    /** Issue #15, row 5: a NaN pixel (float input) gave a NaN embedding without a word. */
    @Test
    void nonFiniteInputIsRefusedByRowAndColumn() throws Exception {
        try (Embedder e = Embedder.builder().setModelPath(linear(W)).build()) {
            InvalidInputException ex = assertThrows(InvalidInputException.class,
                    () -> e.embed(new float[] {1, 2, 3, Float.NaN}));
            assertEquals("input row 1, column 1 is NaN: every value must be a finite number. Remove or repair that row.",
                    ex.getMessage());
            ex = assertThrows(InvalidInputException.class, () -> e.embedVectors(new float[][] {{Float.POSITIVE_INFINITY,
                    0}}));
            assertTrue(ex.getMessage().startsWith("input row 0, column 0 is Infinity"), ex.getMessage());
        }
    }

    /** Issue #15, row 8: a model whose graph does not take what its metadata says failed only at the first batch. */
    @Test
    void aModelThatDoesNotFitItsMetadataIsRefusedWhenOpened() throws Exception {
        Preprocessing gray = new Preprocessing(1, 4, 4, 1 / 255f, new float[] {0}, new float[] {1});
        Map<String, String> says1x4x4 = new ModelSettings("pixels", "embedding", ModelMetadata.InputKind.IMAGE,
                new int[] {1, 4, 4}, ModelSettings.Layout.NCHW, ModelSettings.ChannelOrder.GRAY, gray,
                ModelSettings.Pooling.NONE, false, 1).toMetadata("test", false);
        Path model = TinyModels.channelMeans(dir.resolve("m.onnx"), false, "batch", new long[] {3, 4, 4}, says1x4x4);
        EmbedderException ex = assertThrows(EmbedderException.class, () -> Embedder.builder().setModelPath(model)
                .build());
        assertTrue(ex.getMessage().contains("has shape [-1, 3, 4, 4] but the settings give items of [1, 4, 4]"),
                ex.getMessage());
    }

    @Test
    void closeTwiceIsFineAndUseAfterCloseIsAClearError() throws Exception {
        Embedder e = Embedder.builder().setModelPath(linear(W)).build();
        e.close();
        e.close();
        EmbedderException ex = assertThrows(EmbedderException.class, () -> e.embed(new float[] {1, 2}));
        assertTrue(ex.getMessage().contains("is closed"), ex.getMessage());
    }

    @Test
    void imagesByPathAndInMemoryGiveTheSameEmbeddings() throws Exception {
        Preprocessing rgb = new Preprocessing(3, 4, 4, 1 / 255f, new float[] {0, 0, 0}, new float[] {1, 1, 1});
        Map<String, String> meta = new ModelSettings("pixels", "embedding", ModelMetadata.InputKind.IMAGE,
                new int[] {3, 4, 4}, ModelSettings.Layout.NCHW, ModelSettings.ChannelOrder.RGB, rgb,
                ModelSettings.Pooling.NONE, false, 3).toMetadata("test", false);
        Path model = TinyModels.channelMeans(dir.resolve("rgb.onnx"), false, "batch", new long[] {3, 4, 4}, meta);
        BufferedImage red = new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 4; x++) {
                red.setRGB(x, y, (x < 2 ? 255 : 51) << 16 | 102 << 8);
            }
        }
        Path png = dir.resolve("red.png");
        ImageIO.write(red, "png", png.toFile());
        Path broken = Files.writeString(dir.resolve("broken.png"), "not an image");
        try (Embedder e = Embedder.builder().setModelPath(model).build()) {
            // Channel means by hand: red (255 + 51) / 2 / 255 = 0.6, green 102 / 255 = 0.4, blue 0.
            assertArrayEquals(new float[] {0.6f, 0.4f, 0f}, e.embed(red), 1e-6f);
            assertArrayEquals(e.embed(red), e.embed(png));
            Embeddings both = e.embedFiles(List.of(png, png));
            assertArrayEquals(both.get(0), both.get(1));
            assertArrayEquals(e.embed(List.of(red)), e.embedImages(List.of(red)).toFlatArray());
            InvalidInputException ex = assertThrows(InvalidInputException.class,
                    () -> e.embedFiles(List.of(png, broken)));
            assertTrue(ex.getMessage().startsWith("image 1, " + broken + ": cannot decode"), ex.getMessage());
        }
    }

    /** NHWC and BGR models get the same pixels rearranged; a fixed batch of 1 is fed one item a call. */
    @Test
    void layoutChannelOrderAndAFixedBatchAreHonoured() throws Exception {
        Preprocessing rgb = new Preprocessing(3, 2, 2, 1f, new float[] {0, 0, 0}, new float[] {1, 1, 1});
        float[] items = {
            1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, // item 0: channel planes R=1, G=2, B=3
            5, 5, 5, 5, 6, 6, 6, 6, 7, 7, 7, 7};
        for (ModelSettings.Layout layout : ModelSettings.Layout.values()) {
            for (ModelSettings.ChannelOrder order : List.of(ModelSettings.ChannelOrder.RGB,
                    ModelSettings.ChannelOrder.BGR)) {
                boolean nhwc = layout == ModelSettings.Layout.NHWC;
                ModelSettings s = new ModelSettings("pixels", "embedding", ModelMetadata.InputKind.IMAGE,
                        new int[] {3, 2, 2}, layout, order, rgb, ModelSettings.Pooling.NONE, false, 0);
                Path model = TinyModels.channelMeans(dir.resolve(layout + "-" + order + ".onnx"), nhwc, "1",
                        nhwc ? new long[] {2, 2, 3} : new long[] {3, 2, 2}, Map.of());
                try (Embedder e = Embedder.builder().setModelPath(model).optSettings(s).optBatchSize(64).build()) {
                    assertEquals(1, e.batchSize(), "a fixed batch of 1");
                    float[] expected = order == ModelSettings.ChannelOrder.BGR ? new float[] {3, 2, 1, 7, 6, 5}
                            : new float[] {1, 2, 3, 5, 6, 7};
                    assertArrayEquals(expected, e.embed(items), layout + " " + order);
                }
            }
        }
    }

    @Test
    void badBuilderSettingsAreSimforgeErrors() throws Exception {
        Path model = linear(W);
        assertThrows(InvalidInputException.class, () -> Embedder.builder().setModelPath(model).optBatchSize(0).build());
        assertThrows(InvalidInputException.class, () -> Embedder.builder().setModelPath(model).optThreads(-1).build());
        assertThrows(InvalidInputException.class, () -> Embedder.builder().build());
        assertFalse(Files.exists(dir.resolve("nothing-written")));
    }
}
