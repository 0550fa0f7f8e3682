package dsp;

import android.content.Context;
import android.content.DialogInterface;

/** The consent dialog's positive button: only now does the app locate the user. */
public class AgreeListener implements DialogInterface.OnClickListener {
    private final Context context;

    AgreeListener(Context context) {
        this.context = context;
    }

    @Override
    public void onClick(DialogInterface dialog, int which) {
        Step step = new LocatingStep();
        step.run(context);
    }
}
