package com.qq.e.ads;

import android.app.Activity;

/** STAND-IN for GDT's ad activity (pi-scan sample; NOT Tencent's code). Empty. */
public class PortraitADActivity extends Activity {
}
