package com.igexin.sdk;

import android.content.Context;
import android.content.pm.PackageInfo;
import java.util.List;

/**
 * STAND-IN written for pi-scan's samples; NOT Getui's code. Same package,
 * class and initialize() signature as the real SDK; lists installed apps.
 */
public final class PushManager {
    private static final PushManager INSTANCE = new PushManager();

    List<PackageInfo> installed;

    private PushManager() {
    }

    public static PushManager getInstance() {
        return INSTANCE;
    }

    public void initialize(Context context) {
        installed = context.getPackageManager().getInstalledPackages(0);
    }
}
