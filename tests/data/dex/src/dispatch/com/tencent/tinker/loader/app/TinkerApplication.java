package com.tencent.tinker.loader.app;

import android.app.Application;

/** The shape of Tinker's shell Application (it creates the ApplicationLike by reflection). */
public abstract class TinkerApplication extends Application {
    private final String delegateClassName;

    protected TinkerApplication(int flags, String delegateClassName, String loader, boolean verify) {
        this.delegateClassName = delegateClassName;
    }

    @Override
    public void onCreate() {
        super.onCreate();
        Object ignored = delegateClassName;
    }
}
