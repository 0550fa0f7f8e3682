package dsp;

import android.content.Context;

public class QuietStep extends Step {
    @Override
    void run(Context context) {
        Sink.nothing(0);
    }
}
