// The Node-RED 5.x editor in headless Chromium (skipped, and reported so, without Chromium).
import { defineEditorBrowser } from './editor-browser';

defineEditorBrowser('node-red-5');
