// The Node-RED 4.1 editor in headless Chromium (skipped, and reported so, without Chromium).
import { defineEditorBrowser } from './editor-browser';

defineEditorBrowser('node-red');
