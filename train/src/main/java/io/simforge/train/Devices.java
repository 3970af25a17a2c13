package io.simforge.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import io.simforge.core.device.DeviceSpec;
import java.util.Arrays;

/** DJL devices for a {@link DeviceSpec}, with the CPU as the fallback when the engine cannot meet the request. */
public final class Devices {
    private static final System.Logger LOG = System.getLogger(Devices.class.getName());

    private Devices() {}

    /**
     * The devices for {@code spec}: the CPU, one GPU, or several (data-parallel). A request the PyTorch engine cannot
     * meet falls back to the CPU with one warning naming the reason.
     */
    public static Device[] of(DeviceSpec spec) {
        if (spec.isCpu()) {
            return new Device[] {Device.cpu()};
        }
        int gpus = Engine.getInstance().getGpuCount();
        int[] ids = spec.idsGiven(Math.max(gpus, 1));
        if (Arrays.stream(ids).allMatch(id -> id < gpus)) {
            return Arrays.stream(ids).mapToObj(Device::gpu).toArray(Device[]::new);
        }
        LOG.log(System.Logger.Level.WARNING, "device " + spec + " requested but the PyTorch engine sees " + gpus
                + " GPU(s) (the CPU build of PyTorch is on the class path, or no CUDA device is usable); training on "
                + "the CPU. The README's Devices section describes the GPU set-ups.");
        return new Device[] {Device.cpu()};
    }
}
