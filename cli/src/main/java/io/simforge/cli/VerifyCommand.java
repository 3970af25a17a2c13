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
        description = "Check an .onnx model: it parses, what its graph holds (inputs, outputs, opset, external data), "
                + "its simforge metadata, the settings it runs with (or which are missing, for a model from elsewhere), "
                + "its weights checksum, that ONNX Runtime embeds with it, and (with --source) that it reproduces the "
                + "trained model's embeddings. Exit code 1 when a check fails.")
final class VerifyCommand implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, description = "The .onnx file (or give it as the first argument).")
    Path modelOption;

    @Parameters(paramLabel = "MODEL", arity = "0..1", description = "The .onnx file (the same as -m).")
    Path model;

    @picocli.CommandLine.Mixin
    ModelSettingsOptions modelSettings;

    @Option(names = "--source", description = "The trained model folder it was exported from (<run>/model).")
    Path source;

    @Override
    public Integer call() {
        if ((model == null) == (modelOption == null)) {
            throw new IllegalArgumentException("give the model once: -m MODEL.onnx (or as the first argument)");
        }
        Path model = this.model != null ? this.model : modelOption;
        List<ModelCheck> checks = ModelVerifier.verify(model, source, modelSettings.overrides());
        boolean ok = true;
        for (ModelCheck c : checks) {
            System.out.println(c.line());
            ok &= c.passed();
        }
        System.out.println(ok ? model + " is a sound embedding model" + (source == null
                ? " (add --source <run>/model to compare it with the trained model)" : "")
                : model + " failed " + checks.stream().filter(c -> !c.passed()).count() + " check(s)");
        return ok ? 0 : 1;
    }
}
