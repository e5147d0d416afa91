package dev.canyon.report.section;

import dev.canyon.analytics.update.CrossRunDistance;
import dev.canyon.job.CrossRunFunction;
import dev.canyon.storage.UpdatePoints;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Pairwise distances between an experiment's runs (seed 002): ‖θ_t(i) − θ_t(j)‖ at the latest aligned
 * step both reached ({@link CrossRunDistance}), as a matrix (pairwise-distances.csv) and a heat map.
 * The cross-run distances themselves go to cross_run.csv as storage would store them. The CSV are
 * always written; the heat map needs an aggregated pair (a clone parent's pairs are not).
 */
public final class PairwiseDistancesSection implements ReportSection<ReportedExperiment, PairwiseDistancesSection.Summary> {

    /** One pair of runs at the latest aligned step both reached; {@code aggregated} when both enter the aggregates. */
    public record Pair(String a, String b, long step, double distance, boolean aggregated) {}

    /**
     * summary.json: pairs (always, possibly empty), and when a pair is aggregated, pairwise_distances
     * (the aggregated pairs'), pairwise_mean and pairwise_cv.
     */
    public record Summary(List<Pair> pairs, List<Double> pairwiseDistances, Double pairwiseMean, Double pairwiseCv) {}

    @Override
    public String name() {
        return "pairwise distances";
    }

    @Override
    public Optional<Skip> skip(ReportedExperiment experiment) {
        return Optional.empty();
    }

    @Override
    public Written<Summary> write(ReportedExperiment experiment) throws IOException {
        int n = experiment.runs().size();
        Map<String, Integer> index = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            index.put(experiment.runs().get(i).runId(), i);
        }
        List<CrossRunDistance> crossRun = experiment.recording().crossRun();
        Csv.points(experiment.folder().data("cross_run.csv"), UpdatePoints.of(crossRun));
        double[][] matrix = new double[n][n];
        long[][] at = new long[n][n];
        for (double[] row : matrix) {
            Arrays.fill(row, Double.NaN);
        }
        for (CrossRunDistance c : crossRun) {
            Integer a = index.get(c.run());
            Integer b = index.get(c.other());
            if (a == null || b == null) {
                continue;
            }
            // Both directions, as storage holds them.
            for (int[] ij : new int[][] {{a, b}, {b, a}}) {
                if (c.step() >= at[ij[0]][ij[1]]) {
                    at[ij[0]][ij[1]] = c.step();
                    matrix[ij[0]][ij[1]] = c.distance();
                }
            }
        }
        List<double[]> rows = new ArrayList<>();
        List<Double> aggregated = new ArrayList<>();
        List<Pair> pairs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            rows.add(matrix[i].clone());
            for (int j = i + 1; j < n; j++) {
                if (Double.isFinite(matrix[i][j])) {
                    boolean both = experiment.aggregated().get(i) && experiment.aggregated().get(j);
                    if (both) {
                        aggregated.add(matrix[i][j]);
                    }
                    pairs.add(new Pair(experiment.labels().get(i), experiment.labels().get(j), at[i][j], matrix[i][j], both));
                }
            }
        }
        Csv.table(experiment.folder().data("pairwise-distances.csv"), experiment.labels(), rows);
        if (aggregated.isEmpty()) {
            return Written.of(new Summary(pairs, null, null, null));
        }
        experiment.folder().save(Figures.heatMap("Pairwise distances between the runs at their last shared aligned step "
                + Reference.LIPTON_2016.cite(),
                experiment.labels(), matrix), "pairwise-distances");
        return Written.of(new Summary(pairs, aggregated, aggregated.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN),
                Series.cv(aggregated)),
                new Figure("pairwise-distances", "Pairwise distances between runs " + Reference.LIPTON_2016.cite(),
                        "‖θ_t(i) − θ_t(j)‖ at the latest aligned step both runs reached (each run's first " + CrossRunFunction.KEPT_PER_RUN
                                + " aligned positions are kept), in the runs' shared analytics space; the colour scale starts at 0, so "
                                + "equal distances look equal.",
                        List.of("pairwise-distances.csv", "cross_run.csv")));
    }
}
