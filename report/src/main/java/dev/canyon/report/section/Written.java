package dev.canyon.report.section;

import java.util.List;

/** What a section wrote: its figures, in page order, and its summary (null when it has none). */
public record Written<S>(List<Figure> figures, S summary) {

    public static <S> Written<S> of(S summary, Figure... figures) {
        return new Written<>(List.of(figures), summary);
    }

    public static <S> Written<S> of(S summary, List<Figure> figures) {
        return new Written<>(List.copyOf(figures), summary);
    }

    /** Nothing to show after all (found while computing, for example a degenerate subspace plane). */
    public static <S> Written<S> nothing() {
        return new Written<>(List.of(), null);
    }
}
