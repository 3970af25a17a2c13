package io.simforge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * docs/cli.md is the reference of every command and flag, generated from the command line's own model; this test
 * fails when it is not current. Regenerate it with
 * {@code mvn -B -pl cli -am test -Dtest=CliReferenceTest -Dsurefire.failIfNoSpecifiedTests=false -Dsimforge.writeDocs=true}.
 */
class CliReferenceTest {
    private static final Path FILE = Path.of("..", "docs", "cli.md");

    @Test
    void docsCliMdIsCurrent() throws Exception {
        String generated = reference(Main.commandLine());
        if (Boolean.getBoolean("simforge.writeDocs")) {
            Files.writeString(FILE, generated, StandardCharsets.UTF_8);
        }
        assertEquals(generated, Files.readString(FILE, StandardCharsets.UTF_8), "docs/cli.md is out of date: regenerate "
                + "it (see CliReferenceTest)");
    }

    static String reference(CommandLine root) {
        StringBuilder md = new StringBuilder();
        md.append("# Command reference\n\n");
        md.append("Generated from the command line itself (`CliReferenceTest` checks it is current; regenerate with\n");
        md.append("`mvn -B -pl cli -am test -Dtest=CliReferenceTest -Dsurefire.failIfNoSpecifiedTests=false ");
        md.append("-Dsimforge.writeDocs=true`).\n");
        md.append("Every command takes `-h`/`--help`. The same flag means the same thing in every command: `-m` the model,\n");
        md.append("`-o` the output, `--device` where work runs (`cpu`, `cuda`, `cuda:N`, `cuda:0,1`, `cuda:all`), `--batch-size`\n");
        md.append("items per ONNX Runtime call (training batches are `-P` classes × `-K` images), and `--data`/`--images`/\n");
        md.append("`--list`/`--layout`/`--features` name where items come from.\n\n");
        List<CommandLine> commands = new ArrayList<>();
        collect(root, commands);
        md.append("| Command | What it does |\n|---|---|\n");
        for (CommandLine c : commands) {
            md.append("| [`").append(name(c)).append("`](#").append(anchor(c)).append(") | ")
                    .append(first(c.getCommandSpec().usageMessage().description())).append(" |\n");
        }
        for (CommandLine c : commands) {
            CommandSpec spec = c.getCommandSpec();
            md.append("\n## ").append(name(c)).append("\n\n");
            for (String d : spec.usageMessage().description()) {
                md.append(d).append("\n\n");
            }
            md.append("```\n").append(c.getHelp().synopsis(0).trim()).append("\n```\n\n");
            List<PositionalParamSpec> positionals = spec.positionalParameters();
            List<OptionSpec> options = spec.options().stream().filter(o -> !o.hidden()
                    && !o.longestName().equals("--help") && !o.longestName().equals("--version")).toList();
            if (positionals.isEmpty() && options.isEmpty()) {
                continue;
            }
            md.append("| Flag | Meaning |\n|---|---|\n");
            for (PositionalParamSpec p : positionals) {
                md.append("| `").append(p.paramLabel()).append("` | ").append(cell(String.join(" ", p.description())))
                        .append(" |\n");
            }
            for (OptionSpec o : options) {
                String label = o.typeInfo().isBoolean() ? "" : " " + o.paramLabel();
                md.append("| `").append(String.join("`, `", o.names())).append(label.replace("|", "\\|")).append("` | ")
                        .append(cell(String.join(" ", o.description()))).append(" |\n");
            }
        }
        return md.toString();
    }

    private static void collect(CommandLine c, List<CommandLine> out) {
        if (c.getParent() != null) {
            out.add(c);
        }
        for (Map.Entry<String, CommandLine> e : c.getSubcommands().entrySet()) {
            if (e.getKey().equals(e.getValue().getCommandName())) {
                collect(e.getValue(), out);
            }
        }
    }

    private static String name(CommandLine c) {
        return c.getCommandSpec().qualifiedName(" ");
    }

    private static String anchor(CommandLine c) {
        return name(c).toLowerCase(java.util.Locale.ROOT).replace(' ', '-');
    }

    private static String first(String[] description) {
        return description.length == 0 ? "" : cell(description[0]);
    }

    private static String cell(String text) {
        return text.replace("|", "\\|").replace("\n", " ");
    }
}
