package io.simforge.cli;

import io.simforge.datasets.emoji.EmojiDatasetBuilder;
import io.simforge.datasets.emoji.EmojiStyle;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Builds datasets from files already on disk (nothing is downloaded at run time). */
@Command(name = "data", mixinStandardHelpOptions = true,
        description = "Build datasets from files already on disk.",
        subcommands = {DataCommand.Emoji.class})
final class DataCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    /** {@code simforge data emoji}: the cross-style emoji retrieval dataset. */
    @Command(name = "emoji", mixinStandardHelpOptions = true,
            description = "Build the cross-style emoji retrieval dataset (root/<train|test>/<class>/<style>.png, "
                    + "classes.tsv, manifest.json, LICENSE, ATTRIBUTION) from the pinned npm tarballs that "
                    + "tools/fetch-emoji-packages.sh DIR fetched. Works offline.")
    static final class Emoji implements Callable<Integer> {
        @Option(names = "--packages", paramLabel = "DIR", description = "Folder with the npm tarballs.")
        Path packages;

        @Option(names = {"--out", "-o"}, paramLabel = "DIR", description = "Dataset folder to write (an earlier "
                + "emoji dataset there is replaced; any other non-empty folder is refused).")
        Path out;

        @Option(converter = Ranges.Positive.class, names = "--size", defaultValue = "64", description = "Image side in pixels: 64 (default) or 128.")
        int size;

        @Option(names = "--styles", split = ",", paramLabel = "ID", description = "Styles to use, comma-separated "
                + "(default: the SVG sets; see --list-styles).")
        List<String> styles;

        @Option(converter = Ranges.Positive.class, names = "--min-styles", defaultValue = "3", description = "An emoji becomes a class when at least "
                + "this many styles draw it (default 3).")
        int minStyles;

        @Option(names = "--list-styles", description = "List the pinned styles, their licences and designs, and exit.")
        boolean listStyles;

        @Override
        public Integer call() throws Exception {
            if (listStyles) {
                System.out.printf("%-20s %-8s %-13s %-12s %s%n", "style", "default", "licence", "design", "package");
                for (EmojiStyle s : EmojiStyle.catalogue()) {
                    System.out.printf("%-20s %-8s %-13s %-12s %s@%s%n", s.id(), s.isDefault() ? "yes" : "", s.artworkLicense(),
                            s.design(), s.npmPackage(), s.version());
                }
                return 0;
            }
            if (packages == null || out == null) {
                throw new IllegalArgumentException("give --packages DIR (filled by tools/fetch-emoji-packages.sh DIR) "
                        + "and --out DIR");
            }
            EmojiDatasetBuilder.Builder b = EmojiDatasetBuilder.builder().setPackages(packages).setOutput(out)
                    .optSize(size).optMinStyles(minStyles).optProgress(System.out::println);
            if (styles != null && !styles.isEmpty()) {
                b.optStyles(styles);
            }
            EmojiDatasetBuilder.Summary s = b.build().run();
            System.out.printf(Locale.ROOT, "Emoji dataset in %s (%d×%d, %d styles) in %.1f s:%n", s.output(), s.size(),
                    s.size(), s.styles().size(), s.seconds());
            System.out.printf(Locale.ROOT, "  train: %d classes, %d images%n", s.classes().get("train"),
                    s.images().get("train"));
            System.out.printf(Locale.ROOT, "  test:  %d classes, %d images%n", s.classes().get("test"),
                    s.images().get("test"));
            System.out.println("  images per style: " + s.imagesPerStyle());
            System.out.println("  left out: " + s.excluded() + " sequences, " + s.belowMinStyles()
                    + " drawn by fewer than " + minStyles + " styles" + (s.failures() > 0 ? ", " + s.failures()
                    + " images that did not render (see manifest.json)" : ""));
            System.out.println("Train: simforge train --images " + s.output().resolve("train")
                    + " --config configs/emoji-convnet.json; evaluate on " + s.output().resolve("test"));
            return 0;
        }
    }
}
