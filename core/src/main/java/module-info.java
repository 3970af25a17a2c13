/**
 * simforge's base: SIMD inner-product kernels and exact k-NN, retrieval metrics, {@code .npy} files, image decoding,
 * model metadata and preprocessing, the versioned file formats, run folders and devices. JDK, Gson and TwelveMonkeys'
 * JPEG reader only.
 */
module io.simforge.core {
    requires transitive com.google.gson;
    requires transitive java.desktop; // BufferedImage and ImageIO are part of the image API
    // The JPEG plug-in that decodes CMYK and YCCK files: found by ImageIO as a service, so required to be resolved.
    requires com.twelvemonkeys.imageio.jpeg;
    // SIMD kernels when the JVM runs with --add-modules jdk.incubator.vector; plain Java otherwise.
    requires static jdk.incubator.vector;

    exports io.simforge.core.data;
    exports io.simforge.core.device;
    exports io.simforge.core.error;
    exports io.simforge.core.format;
    exports io.simforge.core.image;
    exports io.simforge.core.io;
    exports io.simforge.core.linalg;
    exports io.simforge.core.metrics;
    exports io.simforge.core.model;
    exports io.simforge.core.run;
    exports io.simforge.core.search;

    // Gson reads and writes these packages' records and instantiates DeviceSpec's adapter.
    opens io.simforge.core.device to com.google.gson;
    opens io.simforge.core.run to com.google.gson;
    opens io.simforge.core.model to com.google.gson;
}
