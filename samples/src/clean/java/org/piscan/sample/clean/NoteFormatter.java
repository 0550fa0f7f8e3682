package org.piscan.sample.clean;

/** Formats notes for display. Pure string handling, no platform calls. */
public final class NoteFormatter {
    private NoteFormatter() {
    }

    public static String format(String[] notes) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < notes.length; i++) {
            String note = notes[i].trim();
            if (note.length() == 0) {
                continue;
            }
            sb.append(i + 1).append(". ").append(note).append('\n');
        }
        return sb.toString();
    }
}
