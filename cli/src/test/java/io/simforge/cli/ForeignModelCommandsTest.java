package io.simforge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code adopt} and {@code verify} on a model from elsewhere, and flags that settle its settings (issue #14). */
class ForeignModelCommandsTest {
    @TempDir
    Path dir;

    private record Outcome(int code, String out, String err) {}

    private static Outcome run(String... args) {
        PrintStream originalOut = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setErr(new PrintWriter(err));
        int code;
        try {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            code = cl.execute(args);
        } finally {
            System.setOut(originalOut);
        }
        return new Outcome(code, captured.toString(StandardCharsets.UTF_8), err.toString());
    }

    private static String foreign(String path) {
        return Path.of("..", "infer", "src", "test", "resources", "foreign").resolve(path).toString();
    }

    @Test
    void aForeignModelIsVerifiedAdoptedAndThenNeedsNoFlags() throws Exception {
        Outcome bare = run("verify", "-m", foreign("nhwc/net.onnx"));
        assertEquals(1, bare.code());
        assertTrue(bare.out().contains("ok   graph") && bare.out().contains("inputs [image: float32 [batch, 32, 32, 3]]")
                && bare.out().contains("FAIL settings") && bare.out().contains("normalisation: give --mean"), bare.out());

        Path adopted = dir.resolve("nhwc-simforge.onnx");
        Outcome adopt = run("adopt", foreign("nhwc/net.onnx"), "-o", adopted.toString(), "--channel-order", "bgr",
                "--mean", "0.485,0.456,0.406", "--std", "0.229,0.224,0.225");
        assertEquals(0, adopt.code(), adopt.err());
        assertTrue(adopt.out().contains("input 'image' NHWC BGR 32×32"), adopt.out());
        assertEquals(0, run("verify", "-m", adopted.toString()).code());
        Outcome positional = run("verify", adopted.toString());
        assertEquals(0, positional.code(), positional.out());
        assertTrue(positional.out().contains("is a sound embedding model"), positional.out());

        Path images = Files.createDirectories(dir.resolve("images"));
        Files.copy(Path.of(foreign("classic/images/image-0.png")), images.resolve("a.png"));
        Files.copy(Path.of(foreign("classic/images/image-3.png")), images.resolve("b.png"));
        Outcome embed = run("embed", "-m", adopted.toString(), "--images", images.toString(), "-o",
                dir.resolve("feats").toString());
        assertEquals(0, embed.code(), embed.err());
        assertEquals(2, io.simforge.core.io.Npy.readShape(dir.resolve("feats/embeddings.npy"))[0]);
    }

    @Test
    void aTokenOutputNeedsItsPoolingNamed() throws Exception {
        Path images = Files.createDirectories(dir.resolve("images"));
        Files.copy(Path.of(foreign("classic/images/image-0.png")), images.resolve("a.png"));
        Outcome o = run("embed", "-m", foreign("tokens/net.onnx"), "--images", images.toString(), "-o",
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
