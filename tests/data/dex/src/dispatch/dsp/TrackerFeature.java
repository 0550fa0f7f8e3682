package dsp;

import android.content.Context;
import android.telephony.TelephonyManager;

/** Reads the IMSI, but nothing ever creates a TrackerFeature. */
public class TrackerFeature implements Feature {
    @Override
    public void start(Context context) {
        TelephonyManager tm = (TelephonyManager) context.getSystemService("phone");
        Sink.keep(tm.getSubscriberId());
    }
}
