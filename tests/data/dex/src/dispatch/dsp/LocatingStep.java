package dsp;

import android.content.Context;

/** Reads the location; created only by the consent dialog's positive button. */
public class LocatingStep extends Step {
    @Override
    void run(Context context) {
        Locator.locate(context);
    }
}
