package io.simforge.cli;

import io.simforge.core.run.RunFolder;
import io.simforge.pipeline.RunReport;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Renders a run folder as one self-contained HTML page ({@link RunReport}). */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Write a self-contained HTML report of a run (quickstart, or a folder `simforge eval` wrote): "
                + "training curves, metrics, a t-SNE map of the test embeddings and retrieval examples.")
final class ReportCommand implements Callable<Integer> {
    @Parameters(paramLabel = "RUN", description = "The run folder.")
    Path run;

    @Option(names = {"-o", "--out"}, description = "Where to write the page (default RUN/report.html).")
    Path out;

    @Option(names = "--seed", defaultValue = "1", description = "Seed for the t-SNE sample and example queries (default 1).")
    long seed;

    @Override
    public Integer call() throws Exception {
        Path page = RunReport.write(new RunFolder(run), out, seed);
        System.out.println("Report: " + page.toAbsolutePath().normalize().toUri());
        return 0;
    }
}
