package dsp;

import android.content.Context;
import android.telephony.TelephonyManager;

/** Reads the device ID, but nothing ever creates a TrackingStep. */
public class TrackingStep extends Step {
    @Override
    void run(Context context) {
        TelephonyManager tm = (TelephonyManager) context.getSystemService("phone");
        Sink.keep(tm.getDeviceId());
    }
}
