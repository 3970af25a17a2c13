package io.simforge.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.simforge.core.device.DeviceSpec;
import org.junit.jupiter.api.Test;

/** How a task picks its device, and which device settings the transformer accepts. */
class DeviceChoiceTest {
    @Test
    void autoIsTheCpuForATaskWithoutAGpuAndAnExplicitDeviceIsKept() {
        assertEquals(DeviceSpec.cpu(), ExecutorEmbedders.deviceFor(EmbeddingTransformer.AUTO_DEVICE, null));
        assertEquals(DeviceSpec.cuda(1), ExecutorEmbedders.deviceFor("cuda:1", null));
        assertEquals(DeviceSpec.cpu(), ExecutorEmbedders.deviceFor("cpu", null));
    }

    @Test
    void severalGpusOrNonsenseAreRefusedWhenSet() {
        EmbeddingTransformer t = new EmbeddingTransformer();
        assertThrows(IllegalArgumentException.class, () -> t.setDevice("cuda:0,1"));
        assertThrows(IllegalArgumentException.class, () -> t.setDevice("tpu"));
        assertEquals("cuda:2", t.setDevice("cuda:2").getOrDefault(t.device()));
        assertThrows(IllegalArgumentException.class, () -> t.setBatchSize(0));
    }
}
