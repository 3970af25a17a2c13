/**
 * The runtime applications link: embed with an exported (or adopted) ONNX model on ONNX Runtime, search an exact
 * index, extract embeddings from large folders. No DJL.
 */
module io.simforge.infer {
    requires transitive io.simforge.core;
    requires io.simforge.onnx;
    requires transitive com.microsoft.onnxruntime;

    exports io.simforge.infer;
    exports io.simforge.infer.extract;

    // Gson reads and writes the extraction's summary and manifest records.
    opens io.simforge.infer.extract to com.google.gson;
}
