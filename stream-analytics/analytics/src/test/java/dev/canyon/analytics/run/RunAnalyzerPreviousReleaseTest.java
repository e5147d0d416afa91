package dev.canyon.analytics.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.canyon.analytics.AnalyticsSettings;
import dev.canyon.analytics.update.PcaSnapshot;
import dev.canyon.analytics.update.Update;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * A checkpoint written before the PCA's and the control's version 2 (RunAnalyzerStateTest's
 * fixture as that release wrote it, with version 1 kernel states inside) still restores: the run
 * continues with every update a fresh analyzer gives except the PCA points, which come from the
 * version 1 estimators the checkpoint holds, with finite ratios in [0, 1].
 */
class RunAnalyzerPreviousReleaseTest {
    private static final Path FIXTURE = Path.of("src/test/resources/golden/state-v1/run-analyzer.bin");
    /** RunAnalyzerStateTest's settings, with which the fixture was written. */
    private static final AnalyticsSettings SETTINGS = AnalyticsSettings.builder().crossRunEvery(5).window(8).emitEvery(4).build();

    @Test
    void aCheckpointWithVersionOneKernelsRestoresAndContinues() throws Exception {
        List<Function<RunAnalyzer, List<Update>>> records = RunAnalyzerStateTest.records("golden", 40, 4);
        int cut = 30;
        RunAnalyzer fresh = new RunAnalyzer(SETTINGS);
        records.subList(0, cut).forEach(r -> r.apply(fresh));
        RunAnalyzer restored = RunAnalyzer.heapify(Files.readAllBytes(FIXTURE), SETTINGS);
        assertThat(restored.lastStep()).isEqualTo(fresh.lastStep());
        List<String> others = new ArrayList<>();
        List<String> freshOthers = new ArrayList<>();
        List<PcaSnapshot> pca = new ArrayList<>();
        for (var r : records.subList(cut, records.size())) {
            for (Update u : r.apply(restored)) {
                if (u instanceof PcaSnapshot p) {
                    pca.add(p);
                } else {
                    others.add(RunAnalyzerStateTest.canonical(u));
                }
            }
            r.apply(fresh).stream().filter(u -> !(u instanceof PcaSnapshot)).forEach(u -> freshOthers.add(RunAnalyzerStateTest.canonical(u)));
        }
        assertThat(others).containsExactlyElementsOf(freshOthers);
        assertThat(pca).isNotEmpty();
        for (PcaSnapshot p : pca) {
            for (double[] ratios : new double[][] {p.explainedVariance(), p.controlExplainedVariance()}) {
                assertThat(ratios).isNotEmpty();
                for (double v : ratios) {
                    assertThat(v).isBetween(0.0, 1.0);
                }
            }
        }
        assertThat(restored.finished()).isTrue();
    }
}
