"""WeChat mini program server APIs (wechatpy), WeChat Pay API v3 (wechatpayv3) and the push
message endpoint's verification."""
