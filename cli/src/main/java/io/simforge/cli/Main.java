package io.simforge.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code simforge} command. */
@Command(name = "simforge", mixinStandardHelpOptions = true, version = "simforge 0.1.0",
        description = "Deep metric learning on the JVM: train embedding models with the Multi-Similarity loss, "
                + "export them to ONNX, and embed and retrieve with ONNX Runtime.",
        subcommands = {QuickstartCommand.class, TrainCommand.class, ExportCommand.class, EvalCommand.class, ReportCommand.class, EmbedCommand.class, IndexCommand.class, SearchCommand.class, VerifyCommand.class, AdoptCommand.class,
            DataCommand.class, BenchCommand.class})
public final class Main implements Runnable {

    static {
        // Nothing may download at run time: DJL fails fast instead of fetching native libraries.
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel",
                System.getProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn"));
        // A CUDA toolkit on a CPU-only machine makes DJL warn about GPU detection at every start.
        System.setProperty("org.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils", "error");
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line; errors print one clear line instead of a stack trace. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("simforge " + cmd.getCommandName() + ": " + describe(e));
            if (Boolean.getBoolean("simforge.debug")) {
                e.printStackTrace(cmd.getErr());
            } else {
                cmd.getErr().println("(run with -Dsimforge.debug=true for the stack trace)");
            }
            return 1;
        });
        // A flag the command cannot take: one line naming it and the value typed, not the whole usage text.
        cl.setParameterExceptionHandler((e, args) -> {
            CommandLine cmd = e.getCommandLine();
            cmd.getErr().println(cmd.getCommandSpec().qualifiedName() + ": " + e.getMessage());
            cmd.getErr().println("(see " + cmd.getCommandSpec().qualifiedName() + " --help)");
            return cmd.getCommandSpec().exitCodeOnInvalidInput();
        });
        return cl;
    }

    private static String describe(Throwable e) {
        String msg = e.getMessage();
        return msg != null && !msg.isBlank() ? msg : e.getClass().getSimpleName();
    }
}
