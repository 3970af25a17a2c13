/** The ONNX format without protobuf or DJL: the IR, a hardened reader, a writer, external data, the scoring graph. */
module io.simforge.onnx {
    requires transitive io.simforge.core;

    exports io.simforge.onnx;
}
