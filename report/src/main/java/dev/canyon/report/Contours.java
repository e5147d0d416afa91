package dev.canyon.report;

import dev.canyon.report.section.Figures;
import java.util.ArrayList;
import java.util.List;

/**
 * Contour lines of a function sampled on a rectangular grid, by marching squares: each grid cell whose
 * corners lie on both sides of the level contributes one segment (two where the level separates
 * opposite corners: the cell's centre value, the mean of its corners, decides how they pair), its
 * ends placed on the cell's edges by linear interpolation between the corner values. Cells with a
 * non-finite corner contribute nothing. The segments are not joined into polylines: drawn one after
 * another they form the lines.
 */
public final class Contours {

    /** A piece of a contour line, from (x0, y0) to (x1, y1), in the grid's coordinates. */
    public record Segment(double x0, double y0, double x1, double y1) {}

    private Contours() {}

    /**
     * The segments of the level set {@code z = level}, {@code z[j][i]} being the value at
     * ({@code x[i]}, {@code y[j]}) (the layout of {@link SubspaceView.Grid}).
     */
    public static List<Segment> of(double[] x, double[] y, double[][] z, double level) {
        if (z.length != y.length || (z.length > 0 && z[0].length != x.length)) {
            throw new IllegalArgumentException("the values must be y.length × x.length, got " + z.length + " × "
                    + (z.length > 0 ? z[0].length : 0));
        }
        List<Segment> out = new ArrayList<>();
        for (int j = 0; j + 1 < y.length; j++) {
            for (int i = 0; i + 1 < x.length; i++) {
                cell(x[i], x[i + 1], y[j], y[j + 1], z[j][i], z[j][i + 1], z[j + 1][i + 1], z[j + 1][i], level, out);
            }
        }
        return out;
    }

    /**
     * One cell: corners a = (x0, y0), b = (x1, y0), c = (x1, y1), d = (x0, y1), counter-clockwise; its
     * edges ab (bottom), bc (right), cd (top), da (left).
     */
    private static void cell(double x0, double x1, double y0, double y1, double a, double b, double c, double d, double level,
            List<Segment> out) {
        if (!(Double.isFinite(a) && Double.isFinite(b) && Double.isFinite(c) && Double.isFinite(d))) {
            return;
        }
        int index = (a > level ? 1 : 0) | (b > level ? 2 : 0) | (c > level ? 4 : 0) | (d > level ? 8 : 0);
        if (index == 0 || index == 15) {
            return;
        }
        double[] bottom = {x0 + (x1 - x0) * t(a, b, level), y0};
        double[] right = {x1, y0 + (y1 - y0) * t(b, c, level)};
        double[] top = {x0 + (x1 - x0) * t(d, c, level), y1};
        double[] left = {x0, y0 + (y1 - y0) * t(a, d, level)};
        switch (index) {
            case 1, 14 -> add(out, left, bottom);
            case 2, 13 -> add(out, bottom, right);
            case 3, 12 -> add(out, left, right);
            case 4, 11 -> add(out, right, top);
            case 6, 9 -> add(out, bottom, top);
            case 7, 8 -> add(out, left, top);
            case 5, 10 -> {
                // a and c on one side, b and d on the other: the centre decides which pair of corners is joined.
                boolean centreAbove = (a + b + c + d) / 4 > level;
                boolean acAbove = index == 5;
                if (centreAbove == acAbove) {
                    // a and c connected through the centre: the lines cut off b and d.
                    add(out, bottom, right);
                    add(out, top, left);
                } else {
                    add(out, left, bottom);
                    add(out, right, top);
                }
            }
            default -> throw new IllegalStateException("cell case " + index);
        }
    }

    /** Where {@code level} lies between {@code from} and {@code to}, as a fraction of the way. */
    private static double t(double from, double to, double level) {
        return to == from ? 0.5 : (level - from) / (to - from);
    }

    private static void add(List<Segment> out, double[] p, double[] q) {
        out.add(new Segment(p[0], p[1], q[0], q[1]));
    }

    /**
     * A handful of round contour levels strictly inside (min, max): on a log scale (both positive) 1, 2
     * and 5 × 10^k, thinned to every decade when they are more than {@code most}; on a linear scale the
     * round ticks of the range. At most {@code most} levels.
     */
    public static double[] levels(double min, double max, boolean log, int most) {
        List<Double> out = new ArrayList<>();
        if (log && min > 0 && max > min) {
            for (double[] mantissas : new double[][] {{1, 2, 5}, {1}}) {
                out.clear();
                for (int k = (int) Math.floor(Math.log10(min)); k <= (int) Math.ceil(Math.log10(max)); k++) {
                    for (double m : mantissas) {
                        double v = m * Math.pow(10, k);
                        if (v > min && v < max) {
                            out.add(v);
                        }
                    }
                }
                if (out.size() <= most) {
                    break;
                }
            }
            while (out.size() > most) {
                List<Double> every2 = new ArrayList<>();
                for (int i = 0; i < out.size(); i += 2) {
                    every2.add(out.get(i));
                }
                out = every2;
            }
        } else if (max > min) {
            double spacing = Figures.tickSpacing(min, max, most + 1, false);
            for (long k = (long) Math.floor(min / spacing) + 1; k * spacing < max && out.size() < most; k++) {
                out.add(k * spacing);
            }
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }
}
