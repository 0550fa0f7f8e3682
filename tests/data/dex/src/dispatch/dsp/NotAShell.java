package dsp;

import android.app.Application;

/** Names a class in its constructor, but is no hot-fix shell: RealAppLike is not its app. */
public class NotAShell extends Application {
    public NotAShell() {
        Sink.keep("dsp.RealAppLike");
    }
}
