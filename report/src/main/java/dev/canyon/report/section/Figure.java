package dev.canyon.report.section;

import java.util.List;

/**
 * A figure on the page: its file name under figures/ (without .png or .svg), heading, caption, and
 * the CSV files under data/ behind it.
 */
public record Figure(String name, String title, String caption, List<String> data) {}
