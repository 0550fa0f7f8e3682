package dsp;

import android.content.Context;

public abstract class Step {
    abstract void run(Context context);
}
