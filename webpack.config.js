const path = require("node:path");
const CopyPlugin = require("copy-webpack-plugin");

module.exports = {
  entry: "./src/index.ts",
  target: "node",
  mode: "production",
  devtool: false,
  module: {
    rules: [
      {
        test: /\.ts$/,
        loader: "ts-loader",
        exclude: /node_modules/,
        options: { onlyCompileBundledFiles: true },
      },
    ],
  },
  resolve: { extensions: [".ts", ".js"] },
  output: {
    filename: "index.js",
    path: path.resolve(__dirname, "dist"),
    libraryTarget: "commonjs2",
    clean: true,
  },
  optimization: { minimize: false },
  plugins: [new CopyPlugin({ patterns: [{ from: "assets", to: "." }] })],
  // spectral's entry point also loads its testing helpers, which pull in jest-util's dynamic
  // require; it is never reached when Prismatic runs the component.
  ignoreWarnings: [{ module: /node_modules\/jest-util\// }],
  stats: "errors-warnings",
};
