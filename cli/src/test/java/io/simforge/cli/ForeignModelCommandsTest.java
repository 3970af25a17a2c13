package io.simforge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code adopt} and {@code verify} on a model from elsewhere, and flags that settle its settings (issue #14). */
class ForeignModelCommandsTest {
    @TempDir
    Path dir;

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    private static String foreign(String path) {
        return Path.of("..", "infer", "src", "test", "resources", "foreign").resolve(path).toString();
    }

    @Test
    void aForeignModelIsVerifiedAdoptedAndThenNeedsNoFlags() throws Exception {
        CliRun bare = run("verify", "-m", foreign("nhwc/net.onnx"));
        assertEquals(1, bare.code());
        assertTrue(bare.out().contains("ok   graph") && bare.out().contains("inputs [image: float32 [batch, 32, 32, 3]]")
                && bare.out().contains("FAIL settings") && bare.out().contains("normalisation: give --mean"), bare.out());

        Path adopted = dir.resolve("nhwc-simforge.onnx");
        CliRun adopt = run("adopt", foreign("nhwc/net.onnx"), "-o", adopted.toString(), "--channel-order", "bgr",
                "--mean", "0.485,0.456,0.406", "--std", "0.229,0.224,0.225");
        assertEquals(0, adopt.code(), adopt.err());
        assertTrue(adopt.out().contains("input 'image' NHWC BGR 32×32"), adopt.out());
        assertEquals(0, run("verify", "-m", adopted.toString()).code());
        CliRun positional = run("verify", adopted.toString());
        assertEquals(0, positional.code(), positional.out());
        assertTrue(positional.out().contains("is a sound embedding model"), positional.out());

        Path images = Files.createDirectories(dir.resolve("images"));
        Files.copy(Path.of(foreign("classic/images/image-0.png")), images.resolve("a.png"));
        Files.copy(Path.of(foreign("classic/images/image-3.png")), images.resolve("b.png"));
        CliRun embed = run("embed", "-m", adopted.toString(), "--images", images.toString(), "-o",
                dir.resolve("feats").toString());
        assertEquals(0, embed.code(), embed.err());
        assertEquals(2, io.simforge.core.io.Npy.readShape(dir.resolve("feats/embeddings.npy"))[0]);
    }

    @Test
    void aTokenOutputNeedsItsPoolingNamed() throws Exception {
        Path images = Files.createDirectories(dir.resolve("images"));
        Files.copy(Path.of(foreign("classic/images/image-0.png")), images.resolve("a.png"));
        CliRun o = run("embed", "-m", foreign("tokens/net.onnx"), "--images", images.toString(), "-o",
                dir.resolve("out").toString(), "--mean", "0.5", "--std", "0.25");
        assertEquals(1, o.code());
        assertTrue(o.err().contains("give --token-pooling cls or mean"), o.err());
        o = run("embed", "-m", foreign("tokens/net.onnx"), "--images", images.toString(), "-o",
                dir.resolve("out").toString(), "--mean", "0.5", "--std", "0.25", "--token-pooling", "cls");
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("Model settings (from flags over the graph)") && o.out().contains("CLS token"),
                o.out());
    }
}
