package org.piscan.sample.sdkcollector;

import android.app.Application;

import cn.jpush.android.api.JPushInterface;
import com.igexin.sdk.PushManager;
import com.qq.e.comm.managers.GDTAdSdk;
import com.umeng.commonsdk.UMConfigure;

/**
 * Starts every SDK as soon as the process starts, before the user has seen
 * (or agreed to) anything. This is the pattern the "removal" verdict is for.
 */
public class NewsApp extends Application {
    @Override
    public void onCreate() {
        super.onCreate();
        UMConfigure.init(this, "5f2b0c0ffee00000000sample", "official",
                UMConfigure.DEVICE_TYPE_PHONE, "");
        JPushInterface.init(this);
        PushManager.getInstance().initialize(this);
        GDTAdSdk.init(this, "1110000000");
    }
}
