package io.simforge.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every Java snippet in the README compiles as written against the project's library: its {@code import} lines go to
 * the top of a file, the rest into a method body.
 */
class ReadmeSnippetsTest {
    @TempDir
    Path dir;

    @Test
    void everyJavaSnippetInTheReadmeCompiles() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"), StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(readme);
        List<Path> sources = new ArrayList<>();
        while (m.find()) {
            StringBuilder imports = new StringBuilder();
            StringBuilder body = new StringBuilder();
            for (String line : m.group(1).split("\n")) {
                (line.startsWith("import ") ? imports : body).append(line).append('\n');
            }
            String name = "Snippet" + sources.size();
            Path file = dir.resolve(name + ".java");
            Files.writeString(file, imports + "\nclass " + name + " {\n    void run() throws Exception {\n" + body
                    + "    }\n}\n");
            sources.add(file);
        }
        assertTrue(sources.size() >= 2, "the README has its Java snippets (found " + sources.size() + ")");
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        try (StandardJavaFileManager files = compiler.getStandardFileManager(diagnostics, null, StandardCharsets.UTF_8)) {
            boolean ok = compiler.getTask(null, files, diagnostics, List.of("-classpath", classPath(), "-d",
                    dir.toString(), "-proc:none"), null, files.getJavaFileObjectsFromPaths(sources)).call();
            StringBuilder errors = new StringBuilder();
            for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
                errors.append(d).append('\n');
            }
            assertTrue(ok, "README snippets do not compile:\n" + errors);
        }
    }

    /** The test class path (surefire may hide it behind a manifest-only jar). */
    private static String classPath() throws Exception {
        String cp = System.getProperty("java.class.path");
        List<String> entries = new ArrayList<>(List.of(cp.split(File.pathSeparator)));
        if (entries.size() == 1 && entries.get(0).endsWith(".jar")) {
            try (java.util.jar.JarFile jar = new java.util.jar.JarFile(entries.get(0))) {
                String manifestPath = jar.getManifest().getMainAttributes().getValue("Class-Path");
                if (manifestPath != null) {
                    entries.clear();
                    for (String url : manifestPath.split(" ")) {
                        entries.add(Path.of(new java.net.URI(url)).toString());
                    }
                }
            }
        }
        return String.join(File.pathSeparator, entries);
    }
}
