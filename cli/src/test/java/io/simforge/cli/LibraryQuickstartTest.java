package io.simforge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.simforge.core.run.RunFolder;
import io.simforge.datasets.DataSource;
import io.simforge.datasets.FashionMnist;
import io.simforge.datasets.ImageDataset;
import io.simforge.eval.Baseline;
import io.simforge.eval.Evaluation;
import io.simforge.eval.EvaluationResult;
import io.simforge.export.ModelExport;
import io.simforge.pipeline.Quickstart;
import io.simforge.train.TrainConfig;
import io.simforge.train.TrainedModel;
import io.simforge.train.TrainingInput;
import io.simforge.train.TrainingRun;
import io.simforge.train.UntrainedNetwork;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the command line does, a Java user does in a few lines: the quickstart composed from the library's steps
 * (train, export, evaluate) gives the same metrics.json as {@code simforge quickstart} with the same seed.
 */
class LibraryQuickstartTest {
    @TempDir
    Path dir;

    @Test
    void theQuickstartComposedInJavaGivesTheSameMetricsAsTheCommand() throws Exception {
        int iterations = 20;
        long seed = 7;
        Path cli = dir.resolve("cli");
        assertEquals(0, Cli.run("quickstart", "--iterations", "" + iterations, "--seed", "" + seed, "-o", cli.toString()));

        // The README's snippet, with fewer iterations.
        RunFolder run = RunFolder.at(dir.resolve("java"), "quickstart");
        TrainConfig config = TrainConfig.builder().optIterations(iterations).optSeed(seed).build();
        TrainingInput input = TrainingInput.of(DataSource.bundled()).withClasses("0-4").withValidation("5-9", 200, 100);
        ImageDataset test = FashionMnist.bundledTestSplit().withClasses(List.of(5, 6, 7, 8, 9));
        try (TrainedModel model = TrainingRun.builder().setConfig(config).setInput(input).optRunFolder(run).build().run()) {
            ModelExport.export(model, run.onnxModel(), test.firstPerClass(50).inputs(model.preprocessing()), o -> o);
            EvaluationResult result = Evaluation.builder().setModel(run.onnxModel()).setData(DataSource.bundled(), "5-9")
                    .optSeed(seed).optProtocol(Quickstart.PROTOCOL)
                    .optBaseline("untrained network", (x, n) -> UntrainedNetwork.embed(model.architecture(), seed, x))
                    .optBaseline("raw pixels", Baseline.rawInputs())
                    .optOutput(run).build().run();
            assertTrue(result.learned().get("recall@1") > 0.2, result.learned().toString());
        }

        JsonObject fromCommand = metrics(cli);
        JsonObject fromJava = metrics(run.dir());
        assertEquals(cli.resolve("model.onnx").toString(), fromCommand.remove("model").getAsString());
        assertEquals(run.onnxModel().toString(), fromJava.remove("model").getAsString());
        assertEquals(fromCommand, fromJava, "the same metrics, baselines and protocol");
        assertEquals(Files.readString(cli.resolve("config.json")), Files.readString(run.config()), "the same settings");
    }

    private static JsonObject metrics(Path run) throws Exception {
        return JsonParser.parseString(Files.readString(run.resolve("metrics.json"))).getAsJsonObject();
    }
}
