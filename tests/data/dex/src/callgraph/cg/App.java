package cg;

import android.content.SharedPreferences;
import android.os.Handler;
import android.os.Looper;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;

/** The Application class of the call-graph fixture (tests/test_callgraph.py). */
public class App extends BaseApp {
    static int mode;

    @Override
    public void onCreate() {
        super.onCreate();
        Base base = mode > 0 ? new Impl1() : new Impl2();
        base.work();                                        // class hierarchy
        Service service = new ServiceImpl();
        service.serve();                                    // interface, instantiated
        new Thread(new Runnable() {                         // anonymous Runnable, Thread
            @Override
            public void run() {
                Sink.fromThread();
            }
        }).start();
        new Handler(Looper.getMainLooper()).post(() -> Sink.fromLambda());  // desugared lambda
        Executors.newSingleThreadExecutor().submit(new Callable<String>() {
            @Override
            public String call() {
                return Sink.fromCallable();
            }
        });
        new Worker().start();                               // Thread subclass: start -> run
        Runner.go(new Block() {                             // app interface, like Kotlin invoke
            @Override
            public void invoke() {
                Sink.fromBlock();
            }
        });
        mode = Config.VALUE;                                // static field: Config.<clinit>
        mode += Switches.pick(mode);                        // payloads
        Deep.d0();
        SharedPreferences prefs = getSharedPreferences("settings", 0);
        if (prefs.getBoolean("user_agreed_privacy", false)) {
            Sink.gated();
        }
        Reflect.imei(this);
        vx.sdk.Vendor.start();                             // another vendor's Handler
        Poster.kick(new AppHandler());                      // a Handler handed over
        Privacy.setAuth(this, false);                       // constant arguments
        Privacy.setAuth(this, mode > 0);
        Privacy.setAuth(this, true);
    }
}
