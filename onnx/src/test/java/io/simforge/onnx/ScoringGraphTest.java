package io.simforge.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The int8 scoring model: its codes only declared (shape, type, an external location), the model stays small. */
class ScoringGraphTest {
    @Test
    void theInt8ModelDeclaresItsCodesAsAnExternalInitializerOfTheSlicesShape() throws Exception {
        byte[] bytes = ScoringGraph.int8Model(512, 4096);
        ModelProto model = OnnxReader.read(bytes, "int8 scoring model");
        assertEquals(ScoringGraph.int8ModelProto(512, 4096), model);
        assertTrue(bytes.length < 1024, "the codes' bytes are not in the model: " + bytes.length + " bytes");
        TensorProto codes = model.graph().initializers().stream()
                .filter(t -> t.name().equals(ScoringGraph.INT8_CODES)).findFirst().orElseThrow();
        assertArrayEquals(new long[] {512, 4096}, codes.dims());
        assertEquals(ElementType.INT8.number(), codes.dataType());
        assertEquals(TensorProto.LOCATION_EXTERNAL, codes.dataLocation());
        assertEquals(new ExternalData.Location("supplied-from-memory", 0, 512L * 4096),
                ExternalData.locationOf(codes));
        assertEquals(List.of("queries", ScoringGraph.INT8_CODES, "zero_point"),
                model.graph().nodes().get(0).inputs());
    }

    @Test
    void theInt8ModelRefusesAnEmptySlice() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ScoringGraph.int8ModelProto(512, 0));
        assertEquals("the int8 scoring model needs a positive dim and rows, got 512 × 0", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ScoringGraph.int8ModelProto(0, 4096));
    }
}
