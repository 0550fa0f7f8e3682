package org.piscan.sample.consentgated;

import android.app.Application;
import android.content.SharedPreferences;

import cn.jiguang.api.utils.JCollectionAuth;
import cn.jpush.android.api.JPushInterface;
import com.umeng.commonsdk.UMConfigure;

/**
 * Starts the SDKs only after consent: a pre-initialisation that collects
 * nothing at start-up, the rest only when the stored flag says the user
 * agreed (on a later start), or when they agree (MainActivity).
 */
public class GatedApp extends Application {
    static final String PREFS = "consent";
    static final String KEY_AGREED = "privacy_agreed";

    @Override
    public void onCreate() {
        super.onCreate();
        UMConfigure.preInit(this, "5f2b0c0ffee00000000sample", "official");
        SharedPreferences prefs = getSharedPreferences(PREFS, MODE_PRIVATE);
        if (prefs.getBoolean(KEY_AGREED, false)) {
            startSdks();
        }
    }

    /** Called once the user has agreed to the privacy policy. */
    void startSdks() {
        JCollectionAuth.setAuth(this, true);
        UMConfigure.init(this, "5f2b0c0ffee00000000sample", "official",
                UMConfigure.DEVICE_TYPE_PHONE, "");
        JPushInterface.init(this);
    }
}
