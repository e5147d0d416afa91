package dev.canyon.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Marching squares against level sets known in closed form. */
class ContoursTest {
    /** x from −2 to 2 in steps of h. */
    private static final double H = 0.1;

    private static double[] axis(double from, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = from + i * H;
        }
        return v;
    }

    /** z = x² + y²: the level c is the circle of radius √c, every point of it found, none off it by more than the grid spacing. */
    @Test
    void circlesOfAParaboloid() {
        double[] x = axis(-2, 41);
        double[] y = axis(-2, 41);
        double[][] z = new double[y.length][x.length];
        for (int j = 0; j < y.length; j++) {
            for (int i = 0; i < x.length; i++) {
                z[j][i] = x[i] * x[i] + y[j] * y[j];
            }
        }
        for (double level : new double[] {0.5, 1, 2.25}) {
            List<Contours.Segment> segments = Contours.of(x, y, z, level);
            assertThat(segments).isNotEmpty();
            List<Double> angles = new ArrayList<>();
            for (Contours.Segment s : segments) {
                for (double[] p : new double[][] {{s.x0(), s.y0()}, {s.x1(), s.y1()}}) {
                    // Linear interpolation of a quadratic along an edge: off the circle by at most about h²/4.
                    assertThat(Math.hypot(p[0], p[1])).as("level %s", level).isCloseTo(Math.sqrt(level), within(H));
                    assertThat(Math.hypot(p[0], p[1])).isCloseTo(Math.sqrt(level), within(H * H));
                    angles.add(Math.atan2(p[1], p[0]));
                }
            }
            // The whole circle: no gap in angle wider than two grid cells seen from the centre.
            double[] sorted = angles.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            double widest = 2 * Math.PI - (sorted[sorted.length - 1] - sorted[0]);
            for (int k = 1; k < sorted.length; k++) {
                widest = Math.max(widest, sorted[k] - sorted[k - 1]);
            }
            assertThat(widest).isLessThan(2 * H / Math.sqrt(level));
            // Each crossing of a cell edge is shared by the two cells on either side: the segments close up.
            assertThat(segments.size()).isGreaterThan((int) (2 * Math.PI * Math.sqrt(level) / H));
        }
    }

    /**
     * z = x·y + ε at level 0: the hyperbola x·y = −ε, through a saddle cell whose corners alternate in
     * sign. z is linear along every cell edge, so the ends lie on it exactly; in the saddle cell the
     * centre value (ε) decides which corners join, and each segment must stay in the quadrants the
     * hyperbola is in (II and IV for ε > 0, I and III for ε < 0), never cut across.
     */
    @Test
    void saddleCellsJoinTheCornersTheirCentreJoins() {
        double[] x = axis(-1.05, 21);
        double[] y = axis(-0.95, 20);
        for (double eps : new double[] {1e-4, -1e-4}) {
            double[][] z = new double[y.length][x.length];
            for (int j = 0; j < y.length; j++) {
                for (int i = 0; i < x.length; i++) {
                    z[j][i] = x[i] * y[j] + eps;
                }
            }
            List<Contours.Segment> segments = Contours.of(x, y, z, 0);
            assertThat(segments).hasSizeGreaterThan(30);
            for (Contours.Segment s : segments) {
                assertThat(s.x0() * s.y0() + eps).isCloseTo(0, within(1e-12));
                assertThat(s.x1() * s.y1() + eps).isCloseTo(0, within(1e-12));
                double mx = (s.x0() + s.x1()) / 2;
                double my = (s.y0() + s.y1()) / 2;
                assertThat(Math.signum(mx * my)).as("ε %s, %s", eps, s).isEqualTo(-Math.signum(eps));
            }
        }
    }

    /** A cell with a non-finite corner (a loss that overflowed) draws nothing. */
    @Test
    void cellsWithANonFiniteCornerAreSkipped() {
        double[] x = {0, 1, 2};
        double[] y = {0, 1};
        double[][] z = {{0, 1, 2}, {0, 1, Double.NaN}};
        List<Contours.Segment> segments = Contours.of(x, y, z, 0.5);
        assertThat(segments).hasSize(1);
        assertThat(segments.get(0).x0()).isCloseTo(0.5, within(1e-12));
        assertThat(Contours.of(x, y, z, 1.5)).isEmpty();
    }

    @Test
    void levelsAreAHandfulOfRoundValuesInside() {
        assertThat(Contours.levels(0.3, 30, true, 7)).containsExactly(0.5, 1, 2, 5, 10, 20);
        assertThat(Contours.levels(0.001, 1000, true, 7)).containsExactly(0.01, 0.1, 1, 10, 100);
        double[] linear = Contours.levels(0.42, 3.02, false, 7);
        assertThat(linear).containsExactly(0.5, 1, 1.5, 2, 2.5, 3);
        assertThat(Arrays.stream(Contours.levels(0.4, 3.0, false, 4)).allMatch(v -> v > 0.4 && v < 3.0)).isTrue();
        assertThat(Contours.levels(2, 2, false, 7)).isEmpty();
    }
}
