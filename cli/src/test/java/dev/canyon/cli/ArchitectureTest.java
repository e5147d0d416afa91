package dev.canyon.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layers of DESIGN.md ("Layers and modules") as rules that fail the build (STYLE.md 21):
 * kernels depend on nothing but the JDK; the analytics know neither Flink nor InfluxDB nor storage;
 * only storage builds InfluxDB points; storage knows neither Flink nor Kafka; the listener (the
 * packages of the canyon-listener artifact) knows none of the stream, storage, report or the
 * example trainers. Checked over every production class of every module on this classpath; a
 * deliberately wrong class in this module's tests shows that the rules do catch a violation.
 */
class ArchitectureTest {
    private static final String KERNELS = "dev.canyon.kernels..";
    private static final String ANALYTICS = "dev.canyon.analytics..";
    private static final String STORAGE = "dev.canyon.storage..";
    private static final String[] LISTENER = {"dev.canyon.trainer.telemetry..", "dev.canyon.trainer.probe.."};

    private static JavaClasses production;

    @BeforeAll
    static void importClasses() {
        production = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.canyon");
    }

    static List<ArchRule> rules() {
        return List.of(
                noClasses().that().resideInAPackage(KERNELS)
                        .should().dependOnClassesThat().resideOutsideOfPackages("java..", KERNELS)
                        .as("kernels depend on nothing but the JDK (no Flink, Kafka, InfluxDB, DL4J, ND4J or Canyon module)"),
                noClasses().that().resideInAPackage(ANALYTICS)
                        .should().dependOnClassesThat().resideInAnyPackage("org.apache.flink..", "org.influxdb..", STORAGE,
                                "dev.canyon.job..", "org.apache.kafka..", "org.deeplearning4j..", "org.nd4j..")
                        .as("the analytics import neither Flink, Kafka, InfluxDB, storage, the job nor DL4J"),
                noClasses().that().resideOutsideOfPackage(STORAGE)
                        .should().callMethod(dev.canyon.storage.StoredPoint.class, "builder", String.class, long.class)
                        .orShould().dependOnClassesThat().haveFullyQualifiedName("org.influxdb.dto.Point")
                        .orShould().dependOnClassesThat().haveFullyQualifiedName("org.influxdb.dto.Point$Builder")
                        .as("only storage builds InfluxDB points"),
                noClasses().that().resideInAPackage(STORAGE)
                        .should().dependOnClassesThat().resideInAnyPackage("org.apache.flink..", "org.apache.kafka..",
                                "dev.canyon.job..", "dev.canyon.report..")
                        .as("storage knows neither Flink, Kafka, the job nor the report"),
                noClasses().that().resideInAnyPackage(LISTENER)
                        .should().dependOnClassesThat().resideInAnyPackage("org.apache.flink..", "org.influxdb..", STORAGE,
                                ANALYTICS, "dev.canyon.job..", "dev.canyon.report..", "dev.canyon.cli..", "dev.canyon.stack..",
                                "dev.canyon.trainer", "dev.canyon.trainer.data..")
                        .as("the listener knows neither the stream, storage, the report nor the example trainers"),
                noClasses().that().resideInAPackage("dev.canyon.ui..")
                        .should().dependOnClassesThat().resideInAnyPackage("org.apache.flink..", "org.apache.kafka..", "org.influxdb..",
                                "dev.canyon.job..", "dev.canyon.report..", "dev.canyon.cli..", "dev.canyon.stack..", "org.deeplearning4j..")
                        .as("the live view reads InfluxDB through storage only, and knows neither Flink, Kafka, the job nor the report"));
    }

    @Test
    void theLayersHold() {
        assertThat(production.size()).as("production classes imported").isGreaterThan(150);
        for (ArchRule rule : rules()) {
            rule.check(production);
        }
    }

    @Test
    void aKernelThatImportsFlinkOrBuildsAPointIsCaught() {
        JavaClasses wrong = new ClassFileImporter().importClasses(dev.canyon.kernels.violation.KernelThatImportsFlink.class);
        EvaluationResult kernels = rules().get(0).evaluate(wrong);
        assertThat(kernels.hasViolation()).isTrue();
        assertThat(kernels.getFailureReport().getDetails()).anyMatch(d -> d.contains("org.apache.flink"));
        EvaluationResult points = rules().get(2).evaluate(wrong);
        assertThat(points.hasViolation()).isTrue();
        assertThat(points.getFailureReport().getDetails()).anyMatch(d -> d.contains("StoredPoint.builder"));
    }
}
