package io.simforge.cli;

import io.simforge.train.bench.LossBenchmark;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Benchmarks; results belong in docs/benchmarks.md with the machine and command. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Run a benchmark and print Markdown tables.",
        subcommands = {BenchCommand.Losses.class})
final class BenchCommand implements Runnable {
    @Override
    public void run() {
        picocli.CommandLine.usage(this, System.out);
    }

    @Command(name = "losses", mixinStandardHelpOptions = true,
            description = "Forward + backward time of every loss with and without Embedding Expansion at B=80 and "
                    + "B=1000 (512-d), MS against straight-line NDArray code, and EE's share of a ConvNet training step.")
    static final class Losses implements Callable<Integer> {
        @Option(names = "--reps", defaultValue = "30", description = "Timed repetitions at B=80 (B=1000 uses a fifth).")
        int reps;

        @Option(names = "--train-iterations", defaultValue = "110", description = "Training steps timed per configuration.")
        int trainIterations;

        @Override
        public Integer call() {
            System.out.printf("Machine: %d cores, %s, Java %s%n%n", Runtime.getRuntime().availableProcessors(),
                    System.getProperty("os.arch"), System.getProperty("java.version"));
            new LossBenchmark(System.out).run(reps, Math.max(3, reps / 5), trainIterations);
            return 0;
        }
    }
}
