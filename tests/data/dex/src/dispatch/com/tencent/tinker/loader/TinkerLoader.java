package com.tencent.tinker.loader;

/** The loader class Tinker's shell is also given by name. */
public class TinkerLoader {
}
