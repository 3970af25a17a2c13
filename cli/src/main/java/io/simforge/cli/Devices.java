package io.simforge.cli;

import io.simforge.core.device.DeviceSpec;
import picocli.CommandLine.ITypeConverter;

/** {@code --device} as a {@link DeviceSpec}, everywhere; an older spelling gets a one-line note. */
final class Devices implements ITypeConverter<DeviceSpec> {
    @Override
    public DeviceSpec convert(String value) {
        return DeviceSpec.parse(value);
    }

    /** Prints the deprecation note of an older spelling, once per command. */
    static void note(DeviceSpec device) {
        if (device != null && device.deprecationNote() != null) {
            System.err.println("simforge: note: " + device.deprecationNote());
        }
    }
}
