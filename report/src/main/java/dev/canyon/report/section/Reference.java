package dev.canyon.report.section;

/**
 * The works the report's figures follow: cited in figure titles by author and year (never by the
 * project's file numbers, which read like the {@code --seed} option), and in full under the page's
 * References.
 */
public enum Reference {
    /** The straight line from θ₀, the 2-D subspace view, the random-walk control. */
    GOODFELLOW_VINYALS_SAXE_2015("Goodfellow, Vinyals & Saxe 2015",
            "Goodfellow, Vinyals & Saxe, “Qualitatively characterizing neural network optimization problems”, ICLR 2015."),
    /** The diagnostic table: gradient norm, directional curvature, uphill steps, noise, negative eigenvalues. */
    GOODFELLOW_TUTORIAL_2015("Goodfellow 2015 tutorial",
            "Goodfellow, “Tutorial on neural network optimization problems”, Deep Learning Summer School, Montreal, 2015."),
    /** The 2-D PCA of the trajectory, distances travelled, runs compared. */
    LIPTON_2016("Lipton 2016", "Lipton, “Stuck in a What? Adventures in Weight Space”, 2016."),
    /** The gradient noise scale B_noise = tr Σ / ‖∇L‖². */
    MCCANDLISH_2018("McCandlish et al. 2018",
            "McCandlish, Kaplan, Amodei & OpenAI Dota Team, “An Empirical Model of Large-Batch Training”, arXiv:1812.06162, 2018."),
    /** The edge of stability: full-batch gradient descent hovers where η·λmax ≈ 2. */
    COHEN_2021("Cohen et al. 2021",
            "Cohen, Kaur, Li, Kolter & Talwalkar, “Gradient Descent on Neural Networks Typically Occurs at the Edge of Stability”, "
                    + "ICLR 2021.");

    private final String shortForm;
    private final String full;

    Reference(String shortForm, String full) {
        this.shortForm = shortForm;
        this.full = full;
    }

    /** Author and year, as titles cite it: "Lipton 2016". */
    public String shortForm() {
        return shortForm;
    }

    /** The full reference, for the page's References. */
    public String full() {
        return full;
    }

    /** "(Lipton 2016)". */
    public String cite() {
        return "(" + shortForm + ")";
    }

    /** "(Lipton 2016, fig. 1)", "(Goodfellow 2015 tutorial: saddles show a negative eigenvalue)". */
    public String cite(String where) {
        return "(" + shortForm + (where.startsWith("fig") ? ", " : ": ") + where + ")";
    }
}
