package org.piscan.sample.overperm;

import android.app.Activity;
import android.os.Bundle;
import android.widget.TextView;

/** The launcher screen: switches the torch on and says whether it worked. */
public class TorchActivity extends Activity {
    @Override
    protected void onCreate(Bundle savedInstanceState) {
        super.onCreate(savedInstanceState);
        TextView view = new TextView(this);
        boolean on = Torch.turnOn(this);
        view.setText(on ? R.string.torch_on : R.string.torch_failed);
        setContentView(view);
    }
}
