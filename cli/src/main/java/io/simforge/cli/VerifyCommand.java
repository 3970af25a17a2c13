package io.simforge.cli;

import io.simforge.export.ModelVerifier;
import io.simforge.infer.ModelCheck;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Checks an exported model and reports in plain words. */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Check an exported .onnx model: it parses, its opset, its simforge metadata, its input and output, "
                + "its weights checksum, that ONNX Runtime runs it, and (with --source) that it reproduces the trained "
                + "model's embeddings. Exit code 1 when a check fails.")
final class VerifyCommand implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, description = "The .onnx file (or give it as the first argument).")
    Path modelOption;

    @Parameters(paramLabel = "MODEL", arity = "0..1", description = "The .onnx file (the same as -m).")
    Path model;

    @Option(names = "--source", description = "The trained model folder it was exported from (<run>/model).")
    Path source;

    @Override
    public Integer call() {
        if ((model == null) == (modelOption == null)) {
            throw new IllegalArgumentException("give the model once: -m MODEL.onnx (or as the first argument)");
        }
        Path model = this.model != null ? this.model : modelOption;
        List<ModelCheck> checks = ModelVerifier.verify(model, source);
        boolean ok = true;
        for (ModelCheck c : checks) {
            System.out.println(c.line());
            ok &= c.passed();
        }
        System.out.println(ok ? model + " is a sound simforge embedding model" + (source == null
                ? " (add --source <run>/model to compare it with the trained model)" : "")
                : model + " failed " + checks.stream().filter(c -> !c.passed()).count() + " check(s)");
        return ok ? 0 : 1;
    }
}
