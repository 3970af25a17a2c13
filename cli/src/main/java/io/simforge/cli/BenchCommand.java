package io.simforge.cli;

import io.simforge.bench.LossBenchmark;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Benchmarks; results belong in docs/benchmarks.md with the machine and command. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Run a benchmark and print Markdown tables.",
        subcommands = {BenchCommand.Losses.class, BenchCommand.Eval.class, BenchCommand.Embed.class, BenchCommand.Hnsw.class,
            BenchCommand.Search.class, BenchCommand.Load.class, BenchCommand.Memory.class,
            BenchCommand.Train.class})
final class BenchCommand implements Runnable {
    /** The first line of every benchmark's output: what it ran on. */
    static void printMachine() {
        System.out.printf("Machine: %d cores, %s, Java %s%n", Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.arch"), System.getProperty("java.version"));
    }

    @Override
    public void run() {
        picocli.CommandLine.usage(this, System.out);
    }

    @Command(name = "losses", mixinStandardHelpOptions = true,
            description = "Forward + backward time of every loss with and without Embedding Expansion at B=80 and "
                    + "B=1000 (512-d), MS against straight-line NDArray code, EE's share of a ConvNet training step, the "
                    + "cross-batch memory at M=8192 and 65536, Proxy-Anchor and ArcFace with 100 and 11318 classes, and "
                    + "resident memory over a long run with a memory and with proxies.")
    static final class Losses implements Callable<Integer> {
        @Option(converter = Ranges.Positive.class, names = "--reps", defaultValue = "30", description = "Timed repetitions at B=80 (B=1000 uses a fifth).")
        int reps;

        @Option(converter = Ranges.Positive.class, names = "--train-iterations", defaultValue = "110", description = "Training steps timed per configuration.")
        int trainIterations;

        @Option(converter = Ranges.NonNegative.class, names = "--memory-iterations", defaultValue = "5000", description = "Training iterations of each "
                + "resident-memory run (default 5000; 0 skips them).")
        int memoryIterations;

        @Option(names = "--sections", split = ",", description = "Tables to measure, default all: ${COMPLETION-CANDIDATES}"
                + " (lower case works).", converter = SectionConverter.class)
        java.util.List<LossBenchmark.Section> sections;

        static final class SectionConverter implements picocli.CommandLine.ITypeConverter<LossBenchmark.Section> {
            @Override
            public LossBenchmark.Section convert(String value) {
                return LossBenchmark.Section.valueOf(value.trim().toUpperCase(java.util.Locale.ROOT));
            }
        }

        @Override
        public Integer call() {
            printMachine();
            System.out.println();
            java.util.Set<LossBenchmark.Section> chosen = sections == null || sections.isEmpty()
                    ? java.util.EnumSet.allOf(LossBenchmark.Section.class) : java.util.EnumSet.copyOf(sections);
            new LossBenchmark(System.out).run(chosen, reps, Math.max(3, reps / 5), trainIterations, memoryIterations);
            return 0;
        }
    }

    @Command(name = "eval", mixinStandardHelpOptions = true,
            description = "Time the whole evaluation (exact leave-one-out Recall@K, MAP@R, R-Precision; k-means NMI "
                    + "and F1) on synthetic L2-normalised embeddings; defaults are SOP-sized.")
    static final class Eval implements Callable<Integer> {
        @Option(converter = Ranges.Positive.class, names = "--items", defaultValue = "120000", description = "Embeddings (default 120000).")
        int items;

        @Option(converter = Ranges.Positive.class, names = "--dim", defaultValue = "512", description = "Dimensions (default 512).")
        int dim;

        @Option(converter = Ranges.Positive.class, names = "--classes", defaultValue = "11316", description = "Classes, also k of k-means (default 11316).")
        int classes;

        @Option(converter = Ranges.NonNegativeNumber.class, names = "--noise", defaultValue = "1.0",
                description = "Noise around each class centre, as a norm relative to the centre's (default 1.0).")
        double noise;

        @Option(names = "--seed", defaultValue = "1", description = "Seed (default 1).")
        long seed;

        @Option(names = "--save", description = "Write the embeddings and labels as .npy here, for the peer script "
                + "bench/pml/eval.py.")
        java.nio.file.Path save;

        @Override
        public Integer call() throws Exception {
            printMachine();
            new io.simforge.bench.EvalBenchmark(System.out).run(items, dim, classes, noise, new int[] {1, 10, 100, 1000},
                    seed, save);
            return 0;
        }
    }

    @Command(name = "embed", mixinStandardHelpOptions = true,
            description = "Embedding throughput of the Embedder (ONNX Runtime Java) on random inputs; compare with "
                    + "bench/ort-node/embed.js on the same model.")
    static final class Embed implements Callable<Integer> {
        @Option(names = {"-m", "--model"}, required = true, description = "The .onnx model.")
        java.nio.file.Path model;

        @Option(converter = Ranges.Positive.class, names = "--batch-size", defaultValue = "64", description = "Items per ONNX Runtime call (default 64).")
        int batch;

        @Option(converter = Ranges.NonNegative.class, names = "--threads", defaultValue = "2", description = "ONNX Runtime intra-op threads (default 2).")
        int threads;

        @Option(converter = Ranges.Positive.class, names = "--batches", defaultValue = "200", description = "Batches per timed round (default 200).")
        int batches;

        @Option(converter = Ranges.Positive.class, names = "--rounds", defaultValue = "5", description = "Timed rounds; the best counts (default 5).")
        int rounds;

        @Override
        public Integer call() {
            new io.simforge.bench.EmbedBenchmark(System.out).run(model, batch, threads, batches, rounds);
            return 0;
        }
    }

    @Command(name = "search", mixinStandardHelpOptions = true,
            description = "Exact top-k search speed of ExactIndex on random unit vectors: build, every batch run "
                    + "(queries/s, GFLOP/s, share of the measured FMA peak), batches of 1 and 10 queries, memory; "
                    + "compare with bench/faiss/search.py (faiss IndexFlatIP).")
    static final class Search implements Callable<Integer> {
        @Option(converter = Ranges.Positive.class, names = "--gallery", split = ",", defaultValue = "100000,1000000",
                description = "Gallery sizes (default 100000,1000000).")
        int[] gallery;

        @Option(converter = Ranges.Positive.class, names = "--queries", defaultValue = "1000", description = "Queries (default 1000).")
        int queries;

        @Option(converter = Ranges.Positive.class, names = "--dim", defaultValue = "512", description = "Dimensions (default 512).")
        int dim;

        @Option(converter = Ranges.Positive.class, names = "-k", defaultValue = "10", description = "Neighbours per query (default 10).")
        int k;

        @Option(names = "--storage", defaultValue = "FLOAT32", description = "How the index keeps its vectors: "
                + "${COMPLETION-CANDIDATES} (default FLOAT32); INT8 also reports recall@k against float32.")
        io.simforge.infer.ExactIndex.Storage storage;

        @Option(converter = Ranges.Positive.class, names = "--runs", defaultValue = "3", description = "Timed runs; the best counts (default 3).")
        int runs;

        @Option(names = "--scoring", defaultValue = "auto", converter = ScoringConverter.class, description = "auto "
                + "(default: the index's own choice; with --storage INT8, ONNX Runtime's integer product from "
                + "ExactIndex.INT8_ONNX_MIN_QUERIES queries per call, the Java kernel below), java (the SIMD kernel) or "
                + "onnx (ONNX Runtime on the CPU: OnnxIndexScorer's graph for float storage, MatMulInteger for INT8).")
        io.simforge.bench.SearchBenchmark.Scoring scoring;

        @Option(names = "--save", description = "Write gallery, queries and our top-k ids as .npy here (for the "
                + "faiss script's agreement check); only for the first gallery size.")
        java.nio.file.Path save;

        @Option(converter = Ranges.NonNegative.class, names = "--small-batches", defaultValue = "200",
                description = "Queries searched 1 and 10 at a time for latency (default 200; 0 skips).")
        int smallBatches;

        @Option(names = "--load-dir", description = "Also save the index here, then time loading it and plainly "
                + "reading its file.")
        java.nio.file.Path loadDir;

        @Option(names = "--no-peak", description = "Skip measuring the FMA peak (a few seconds).")
        boolean noPeak;

        @Override
        public Integer call() throws Exception {
            int threads = Runtime.getRuntime().availableProcessors(); // a parallel stream runs on the pool and the caller
            printMachine();
            double peak = 0;
            if (!noPeak && io.simforge.core.linalg.DotKernel.best().name().startsWith("vector")) {
                peak = io.simforge.bench.FmaPeak.gflops(threads);
                System.out.printf(java.util.Locale.ROOT, "FMA peak, float32, %d lanes, %d threads: %.1f GFLOP/s%n",
                        io.simforge.bench.FmaPeak.lanes(), threads, peak);
            }
            for (int i = 0; i < gallery.length; i++) {
                new io.simforge.bench.SearchBenchmark(System.out).run(gallery[i], queries, dim, k, storage, runs, 1,
                        i == 0 ? save : null, scoring,
                        new io.simforge.bench.SearchBenchmark.Extras(smallBatches, loadDir, peak));
            }
            return 0;
        }
    }

    @Command(name = "load", mixinStandardHelpOptions = true,
            description = "Loading a saved exact index against plainly reading its file, rounds alternating, every "
                    + "round printed; --phases also times each part of a load on its own. --make builds a seeded "
                    + "random index and saves it to FILE instead (once, before measuring).")
    static final class Load implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "FILE", description = "The index file.")
        java.nio.file.Path file;

        @Option(converter = Ranges.Positive.class, names = "--rounds", defaultValue = "3", description = "Rounds of a plain read then a load (default 3).")
        int rounds;

        @Option(names = "--phases", description = "Also time each part of a load on its own.")
        boolean phases;

        @Option(names = "--kernel-read", description = "Also time the search kernel's inner loop reading floats from a "
                + "heap array against a little-endian direct buffer (what a memory-mapped index would be), in cache "
                + "and over a 1M × 512 gallery.")
        boolean kernelRead;

        @Option(converter = Ranges.Positive.class, names = "--make", paramLabel = "GALLERY",
                description = "Build a seeded random index of GALLERY unit vectors and save it to FILE; no timing but the save's.")
        Integer make;

        @Option(converter = Ranges.Positive.class, names = "--dim", defaultValue = "512", description = "Dimensions with --make (default 512).")
        int dim;

        @Option(names = "--storage", defaultValue = "FLOAT32", description = "Storage with --make: "
                + "${COMPLETION-CANDIDATES} (default FLOAT32).")
        io.simforge.infer.ExactIndex.Storage storage;

        @Override
        public Integer call() throws Exception {
            io.simforge.bench.LoadBenchmark bench = new io.simforge.bench.LoadBenchmark(System.out);
            if (make != null) {
                bench.make(file, make, dim, storage, 1);
            } else {
                printMachine();
                bench.run(file, rounds, phases);
                if (kernelRead) {
                    new io.simforge.bench.MappedScan(System.out).runStandard();
                }
            }
            return 0;
        }
    }

    /** {@code --scoring}'s values, written in lower case as before. */
    static final class ScoringConverter implements picocli.CommandLine.ITypeConverter<io.simforge.bench.SearchBenchmark.Scoring> {
        @Override
        public io.simforge.bench.SearchBenchmark.Scoring convert(String value) {
            for (io.simforge.bench.SearchBenchmark.Scoring s : io.simforge.bench.SearchBenchmark.Scoring.values()) {
                if (s.name().equalsIgnoreCase(value)) {
                    return s;
                }
            }
            throw new picocli.CommandLine.TypeConversionException("--scoring takes auto, java or onnx, got '" + value
                    + "'");
        }
    }

    @Command(name = "hnsw", mixinStandardHelpOptions = true,
            description = "Approximate search (HnswIndex on Lucene's HNSW): build time, index size, and queries/s "
                    + "against recall@10 per search beam, on data written by `bench/faiss/hnsw.py make` (whose "
                    + "`run` times faiss's IndexHNSWFlat on the same files).")
    static final class Hnsw implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "DATA_DIR", description = "gallery.npy, queries.npy and truth.npy "
                + "(exact top 10).")
        java.nio.file.Path data;

        @Option(converter = Ranges.Positive.class, names = "--graph-degree", paramLabel = "<degree>",
                description = "Graph degree, faiss's M (default 16; `--m` is the old spelling).")
        int m = 16;

        /** The old spelling of {@code --graph-degree}, kept working but out of the usage text. */
        @Option(converter = Ranges.Positive.class, names = "--m", hidden = true)
        void oldGraphDegree(int degree) {
            m = degree;
        }

        @Option(converter = Ranges.Positive.class, names = "--ef-construction", defaultValue = "100",
                description = "Beam width while building (default 100).")
        int efConstruction;

        @Option(converter = Ranges.Positive.class, names = "--beam", split = ",", defaultValue = "10,20,40,80,160,320",
                description = "Search beams (default 10,20,40,80,160,320).")
        int[] beams;

        @Option(converter = Ranges.Positive.class, names = "--threads", defaultValue = "2", description = "Threads (default 2).")
        int threads;

        @Option(names = "--scorer", defaultValue = "SIMD", description = "SIMD (simforge's kernel, default) or LUCENE.")
        io.simforge.hnsw.HnswIndex.Scorer scorer;

        @Option(names = "--int8", description = "Lucene's int8 quantised graph.")
        boolean int8;

        @Option(names = "--work", description = "Where to build the index (default: a temporary folder, deleted after).")
        java.nio.file.Path work;

        @Option(names = "--search-only", description = "Search the index an earlier run built in --work instead of "
                + "building one (the build settings are the index's own).")
        boolean searchOnly;

        @Override
        public Integer call() throws Exception {
            new io.simforge.bench.HnswBenchmark(System.out).run(data, m, efConstruction, beams, threads, scorer, int8,
                    work, searchOnly);
            return 0;
        }
    }

    @Command(name = "memory", mixinStandardHelpOptions = true,
            description = "Resident memory over a long training run (quickstart ConvNet, MS loss): does native memory "
                    + "stay flat?")
    static final class Memory implements Callable<Integer> {
        @Option(converter = Ranges.Positive.class, names = "--iterations", defaultValue = "5000", description = "Iterations (default 5000).")
        int iterations;

        @Option(converter = Ranges.Positive.class, names = "--every", defaultValue = "250", description = "Sample every N iterations (default 250).")
        int every;

        @Option(names = "--ee", description = "With Embedding Expansion.")
        boolean ee;

        @Override
        public Integer call() {
            System.out.printf("Machine: %d cores, max heap %d MiB, Java %s%n", Runtime.getRuntime().availableProcessors(),
                    Runtime.getRuntime().maxMemory() >> 20, System.getProperty("java.version"));
            new io.simforge.bench.MemoryBenchmark(System.out).run(iterations, every, ee);
            return 0;
        }
    }

    @Command(name = "train", mixinStandardHelpOptions = true,
            description = "Training throughput (images/s) on synthetic 3-channel images: ConvNet and ResNet-18, MS with "
                    + "and without EE; compare with bench/pytorch/train_throughput.py.")
    static final class Train implements Callable<Integer> {
        @Option(names = "--architectures", split = ",", defaultValue = "convnet,resnet18",
                description = "convnet and/or resnet18 (default both).")
        java.util.List<String> architectures;

        @Option(converter = Ranges.Positive.class, names = "--size", defaultValue = "64", description = "Image side (default 64).")
        int size;

        @Option(converter = Ranges.NonNegative.class, names = "--warmup", defaultValue = "5", description = "Warm-up steps (default 5).")
        int warmup;

        @Option(converter = Ranges.Positive.class, names = "--steps", defaultValue = "30", description = "Timed steps (default 30).")
        int steps;

        @Option(names = "--profile", paramLabel = "DIR",
                description = "Write libtorch's profiler trace of each configuration's timed steps to DIR "
                        + "(ARCH-ms.json, ARCH-ms-ee.json; sum them per op with bench/pytorch/profile_ops.py). "
                        + "Profiled runs are slower.")
        java.nio.file.Path profile;

        @Override
        public Integer call() throws java.io.IOException {
            System.out.println(io.simforge.bench.TrainBenchmark.runtime());
            if (profile != null) {
                java.nio.file.Files.createDirectories(profile);
            }
            for (String a : architectures) {
                for (boolean ee : new boolean[] {false, true}) {
                    new io.simforge.bench.TrainBenchmark(System.out).run(a, size, ee, warmup, steps,
                            profile == null ? null : profile.resolve(a + (ee ? "-ms-ee" : "-ms") + ".json"));
                }
            }
            return 0;
        }
    }
}
