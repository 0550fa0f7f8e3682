package org.piscan.sample.clean;

import android.app.Activity;
import android.os.Bundle;
import android.util.Log;
import android.widget.TextView;

/** The launcher screen: shows a fixed list of notes. */
public class MainActivity extends Activity {
    private static final String[] DEMO_NOTES = {"Buy milk", "  ", "Call the plumber"};

    @Override
    protected void onCreate(Bundle savedInstanceState) {
        super.onCreate(savedInstanceState);
        setContentView(R.layout.activity_main);
        String text = NoteFormatter.format(DEMO_NOTES);
        if (text.length() > 0) {
            ((TextView) findViewById(R.id.notes)).setText(text);
        }
        Log.d(CleanNotesApp.TAG, "shown " + text.length() + " chars");
    }
}
