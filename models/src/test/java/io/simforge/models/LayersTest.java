package io.simforge.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.simforge.models.layers.L2NormLayer;
import io.simforge.models.layers.MaxPoolLayer;
import org.junit.jupiter.api.Test;

class LayersTest {

    @Test
    void l2NormalisationHasUnitRowsAndAFiniteGradientAtAZeroRow() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.create(new float[] {3, 4, 0, 0}, new Shape(2, 2));
            x.setRequiresGradient(true);
            L2NormLayer layer = new L2NormLayer();
            NDArray y;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                y = layer.forward(new ParameterStore(m, false), new NDList(x), true).singletonOrThrow();
                gc.backward(y.sum());
            }
            assertArrayEquals(new float[] {0.6f, 0.8f, 0, 0}, y.toFloatArray(), 1e-6f);
            for (float g : x.getGradient().toFloatArray()) {
                assertTrue(Float.isFinite(g), "gradient at a zero row must be finite");
            }
        }
    }

    @Test
    void architecturesReportTheirShapesAndRefuseNonsense() {
        Architecture conv = Architecture.convNet(1, 28, 28, 64, 32, 64, 128);
        assertEquals(new Shape(5, 1, 28, 28), conv.batchInputShape(5));
        assertThrows(IllegalArgumentException.class, () -> Architecture.convNet(1, 28, 28, 0, 32));
        assertThrows(IllegalArgumentException.class, () -> Architecture.Kind.parse("resnet"));
        assertThrows(IllegalArgumentException.class, () -> new MaxPoolLayer(2, 2, 2));
    }
}
