package dsp;

import android.content.Context;

/** One of many implementations never created. */
public class Step5 extends Step {
    @Override
    void run(Context context) {
        Sink.nothing(5);
    }
}
