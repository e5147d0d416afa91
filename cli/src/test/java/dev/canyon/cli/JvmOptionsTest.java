package dev.canyon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * One source for the JVM flags: {@code jvm-opens.args} (a java argument file) is what the build's
 * test JVMs, the launcher and the trainer image pass to java, and no other file lists the flags.
 */
class JvmOptionsTest {

    @Test
    void everyJvmTakesTheOneListAndNoOtherFileHasItsOwn() throws IOException {
        Path root = PipelineIntegrationTest.repoRoot();
        List<String> opens = Files.readAllLines(root.resolve("jvm-opens.args")).stream()
                .filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
        assertThat(opens).isNotEmpty().allSatisfy(l -> assertThat(l).matches("--add-opens=java\\.[a-z]+/[a-z.]+=ALL-UNNAMED"));
        // This very JVM was started by surefire with the file.
        assertThat(ManagementFactory.getRuntimeMXBean().getInputArguments()).containsAll(opens);
        for (String file : List.of("pom.xml", "canyon", "docker/trainer.Dockerfile")) {
            String text = Files.readString(root.resolve(file));
            assertThat(text).as(file).contains("jvm-opens.args").doesNotContain("--add-opens=");
        }
        try (var poms = Files.walk(root, 4)) {
            for (Path pom : poms.filter(p -> p.getFileName().toString().equals("pom.xml") && !p.toString().contains("/target/")).toList()) {
                assertThat(Files.readString(pom)).as(pom.toString()).doesNotContain("--add-opens=");
            }
        }
    }
}
