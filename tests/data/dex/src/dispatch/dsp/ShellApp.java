package dsp;

import com.tencent.tinker.loader.app.TinkerApplication;

/** A Tinker shell, as Tinker's @DefaultLifeCycle generates it: the real app is a string. */
public class ShellApp extends TinkerApplication {
    public ShellApp() {
        super(7, "dsp.RealAppLike", "com.tencent.tinker.loader.TinkerLoader", false);
    }
}
