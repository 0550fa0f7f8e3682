package org.piscan.sample.asyncinit;

import android.provider.Settings;
import kotlin.jvm.functions.Function0;

/**
 * What kotlinc makes of a non-capturing lambda `{ readAndroidId() }`: a
 * class implementing Function0 with one shared INSTANCE. It reads the
 * Android ID.
 */
final class WarmUpLambda implements Function0<Object> {
    static final WarmUpLambda INSTANCE = new WarmUpLambda();

    @Override
    public Object invoke() {
        return Settings.Secure.getString(Tasks.context.getContentResolver(),
                Settings.Secure.ANDROID_ID);
    }
}
