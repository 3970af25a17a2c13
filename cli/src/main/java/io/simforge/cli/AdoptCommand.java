package io.simforge.cli;

import io.simforge.infer.ModelAdoption;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Writes a copy of a foreign ONNX embedding model with simforge's metadata ({@link ModelAdoption}). */
@Command(name = "adopt", mixinStandardHelpOptions = true,
        description = {"Write a copy of an ONNX embedding model from elsewhere (PyTorch, Hugging Face Optimum, timm, "
                + "another team) with simforge's metadata: how to run it (from the flags, a settings file beside it and "
                + "its graph), its embedding size and a checksum of its weights. Later commands then need no flags, "
                + "and `simforge verify` checks it.",
            "The copy is the model's bytes unchanged plus the metadata; external data files are copied beside it."})
final class AdoptCommand implements Callable<Integer> {
    @Parameters(paramLabel = "MODEL", description = "The .onnx model.")
    Path model;

    @Option(names = {"-o", "--out"}, description = "The copy to write (default: <model>-simforge.onnx beside it).")
    Path out;

    @Mixin
    ModelSettingsOptions modelSettings;

    @Override
    public Integer call() {
        Path target = out != null ? out : model.resolveSibling(model.getFileName().toString()
                .replaceFirst("(?i)\\.onnx$", "") + "-simforge.onnx");
        ModelAdoption.Result r = ModelAdoption.adopt(model, target, modelSettings.overrides());
        System.out.println("Settings (from " + r.settingsSource() + "): " + r.settings().describe());
        r.copiedDataFiles().forEach(f -> System.out.println("Copied " + f));
        System.out.println("Wrote " + r.model() + " (weights SHA-256 " + r.weightsSha256().substring(0, 16) + "…)");
        System.out.println("Check it with: simforge verify -m " + r.model());
        return 0;
    }
}
